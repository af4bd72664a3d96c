// The tables of uploaded files (part of `DB` in schema.ts). Timestamps are epoch ms.
import type { Generated } from 'kysely';

export interface FileTable {
  project_id: string;
  id: string;
  purpose: 'chat' | 'user' | 'room';
  room_id: string | null;
  owner_id: number;
  kind: 'image' | 'video' | 'audio' | 'file';
  media_type: string;
  file_name: string;
  size: number;
  width: number;
  height: number;
  caption: string;
  has_thumbnail: number;
  token_hash: string;
  created_at: number;
}

export interface UserPhotoTable {
  id: Generated<number>;
  project_id: string;
  user_id: number;
  file_id: string;
  thumbnail_url: string;
  fullsize_url: string;
  created_at: number;
}

/** Store keys to remove once older than the sweep's age (uploads in progress, deleted files). */
export interface FileSweepTable {
  project_id: string;
  file_id: string;
  created_at: number;
}
