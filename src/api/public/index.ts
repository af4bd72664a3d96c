// File links: GET /v1/public/<projectID>/chat/file/<kind>/<fileID>?token=… (&size=thumbnail). The
// token is the credential (a capability link, shared in messages and profile pictures); refusals are
// 404 / 40410 whatever was wrong, so a link reveals nothing about other files.
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ApiError } from '../../errors.ts';
import { errorHandler } from '../../http/errors.ts';
import { sendFileBytes } from '../../http/file-reply.ts';
import { linkedFile } from '../../services/files.ts';

interface LinkRequest {
  Params: { projectId: string; kind: string; fileId: string };
  Querystring: { token?: unknown; size?: unknown };
}

export async function publicApi(app: FastifyInstance, deps: Deps): Promise<void> {
  app.setErrorHandler(errorHandler('status'));
  app.get<LinkRequest>(
    '/v1/public/:projectId/chat/file/:kind/:fileId',
    {
      schema: {
        summary: 'A file by its link (the token in the link is the credential)',
        tags: ['public'],
        querystring: { type: 'object', properties: { token: { type: 'string' }, size: { type: 'string', enum: ['thumbnail'] } } },
        response: { 200: { description: 'The file' } },
      },
    },
    async (request, reply) => {
      const { token, size } = request.query;
      if (typeof token !== 'string' || token === '') throw new ApiError('FileNotFound');
      const thumbnail = size === 'thumbnail';
      const bytes = await linkedFile(deps, { ...request.params, token }, thumbnail);
      return sendFileBytes(reply, bytes, thumbnail);
    },
  );
}
