// The /demo page's script: TapTalk's official web SDK (window.TapTalkSDK, bundled from npm at install)
// talking to the Parley that serves this page. Plain DOM code; the SDK calls are the ones a real web
// app makes (init → ticket → authenticateWithAuthTicket → getUpdatedRoomList → connect → listeners).
(() => {
  'use strict';
  // The page's other tab, Live Chat, is demo/livechat.js's (page.html picks the tab).
  if (document.documentElement.dataset.tab !== 'chat') return;

  const { taptalk, tapCoreRoomListManager, tapCoreChatRoomManager, tapCoreMessageManager } = window.TapTalkSDK;
  const config = JSON.parse(document.getElementById('demo-config').textContent);
  // The API is where this page is served from (/demo), so a proxy's path prefix is kept.
  const baseUrl = new URL('.', location.href).href.replace(/\/$/, '');
  const NOTICE_KEY = 'parley-demo.notice';
  const TYPING_IDLE_MS = 3000;
  const TYPING_SHOWN_MS = 8000;

  const $ = (id) => document.getElementById(id);
  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  };

  const state = {
    me: null,
    /** roomID → { room, messages: Map(localID → message), loaded, unread, last, typing } */
    rooms: new Map(),
    openRoomID: null,
    people: [],
    online: new Map(),
    typingSentIn: null,
    typingTimer: undefined,
    reconnectTimer: undefined,
    everConnected: false,
    leaving: false,
  };

  // ---------------------------------------------------------------------------------------------
  // Small helpers

  /** The error banner: shown with each new problem, until dismissed (✕) or the next success clears it. */
  function notice(text) {
    $('notice-text').textContent = text;
    $('notice').hidden = text === '';
  }

  function setStatus(stateName, text) {
    $('status').dataset.state = stateName;
    $('status').textContent = text;
  }

  const fromOther = (m) => state.me !== null && m.user.userID !== state.me.userID;

  function statusOf(m) {
    if (m.isRead) return 'read';
    if (m.isDelivered) return 'delivered';
    if (m.isSending) return 'sending';
    return 'sent';
  }

  const MARKS = { sending: '🕓', sent: '✓', delivered: '✓✓', read: '✓✓' };
  const IMAGE = 1002;

  /** A message's body: a photo shows itself (its link, or the SDK's thumbnail while uploading), a file links to itself. */
  function bodyOf(m) {
    if (m.isDeleted) return el('span', 'body', '(deleted)');
    const data = typeof m.data === 'object' && m.data !== null ? m.data : {};
    const body = el('span', 'body');
    if (m.type === IMAGE && (data.fileURL || data.thumbnail)) {
      const img = el('img', 'photo');
      img.alt = data.caption || 'Photo';
      img.src = data.fileURL || `data:${data.mediaType || 'image/jpeg'};base64,${data.thumbnail}`;
      body.append(img);
      if (data.caption) body.append(data.caption);
      return body;
    }
    if (data.fileURL) {
      const link = el('a', 'file', m.body ?? '');
      link.href = data.fileURL;
      link.target = '_blank';
      link.rel = 'noopener';
      body.append(link);
      return body;
    }
    body.textContent = m.body ?? '';
    return body;
  }

  function roomEntry(room) {
    let r = state.rooms.get(room.roomID);
    if (r === undefined) {
      r = { room, messages: new Map(), loaded: false, unread: 0, last: null, typing: null };
      state.rooms.set(room.roomID, r);
    } else if (room.name) {
      r.room = room;
    }
    return r;
  }

  /** Keeps the newest copy of a message: the server's echo replaces the pending one (same localID). */
  function upsert(r, m) {
    const known = r.messages.get(m.localID);
    if (known !== undefined && !known.isSending && m.isSending) return;
    if (known !== undefined && !known.isSending && m.updated < known.updated) return;
    r.messages.set(m.localID, m);
    if (r.last === null || m.created >= r.last.created || r.last.localID === m.localID) r.last = m;
  }

  /** Marks what others sent in the room as read (the SDK posts feedback/read); the badge goes. */
  function markRead(r) {
    const ids = [...r.messages.values()].filter((m) => fromOther(m) && !m.isRead && m.messageID !== '0').map((m) => m.messageID);
    r.unread = 0;
    if (ids.length > 0) tapCoreMessageManager.markMessageAsRead(ids);
  }

  /** Typing emits go straight to the socket: only while it is open. */
  function emitTyping(start, roomID) {
    if (!taptalk.isConnected()) return;
    const send = start ? tapCoreChatRoomManager.sendStartTypingEmit : tapCoreChatRoomManager.sendStopTypingEmit;
    Promise.resolve()
      .then(() => send(roomID))
      .catch(() => {});
  }

  function stopTyping() {
    clearTimeout(state.typingTimer);
    if (state.typingSentIn !== null) emitTyping(false, state.typingSentIn);
    state.typingSentIn = null;
  }

  // ---------------------------------------------------------------------------------------------
  // Rendering (small lists: everything is redrawn on each change)

  function render() {
    renderRooms();
    renderPeople();
    renderChat();
  }

  function renderRooms() {
    const list = $('rooms');
    list.replaceChildren();
    const rooms = [...state.rooms.values()].sort((a, b) => (b.last?.created ?? Infinity) - (a.last?.created ?? Infinity));
    if (rooms.length === 0) list.append(el('li', 'empty', 'No chats yet'));
    for (const r of rooms) {
      const item = el('li');
      item.dataset.roomId = r.room.roomID;
      if (r.room.roomID === state.openRoomID) item.classList.add('active');
      const text = el('div', 'text');
      text.append(el('div', 'name', r.room.name));
      const preview = r.typing !== null ? 'typing…' : r.last === null ? '' : `${fromOther(r.last) ? '' : 'You: '}${r.last.body ?? ''}`;
      text.append(el('div', 'preview', preview));
      item.append(text);
      if (r.unread > 0) item.append(el('span', 'unread', String(r.unread)));
      item.addEventListener('click', () => openRoom(r.room));
      list.append(item);
    }
  }

  function renderPeople() {
    const list = $('people');
    list.replaceChildren();
    const others = state.people.filter((p) => state.me === null || p.userID !== state.me.userID);
    if (others.length === 0) list.append(el('li', 'empty', 'Nobody else yet: sign in as someone else in another tab'));
    for (const person of others) {
      const item = el('li');
      item.dataset.userId = person.userID;
      const online = state.online.get(person.userID) ?? person.isOnline;
      item.append(el('span', online ? 'dot online' : 'dot'));
      item.append(el('div', 'text name', person.fullname));
      item.title = online ? 'online' : 'offline';
      item.addEventListener('click', () => chatWith({ userID: person.userID }));
      list.append(item);
    }
  }

  function renderChat() {
    const r = state.openRoomID === null ? undefined : state.rooms.get(state.openRoomID);
    $('composer').hidden = r === undefined;
    $('chat-title').textContent = r === undefined ? 'Pick someone to chat with' : r.room.name;
    $('typing').textContent = r?.typing ? `${r.typing} is typing…` : '';
    const list = $('messages');
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    list.replaceChildren();
    if (r === undefined) return;
    const messages = [...r.messages.values()].filter((m) => !m.isHidden).sort((a, b) => a.created - b.created);
    for (const m of messages) {
      const mine = !fromOther(m);
      const item = el('li', mine ? 'message mine' : 'message');
      item.dataset.localId = m.localID;
      item.dataset.status = statusOf(m);
      item.append(bodyOf(m));
      const meta = el('span', 'meta', new Date(m.created).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }));
      if (mine) {
        const mark = el('span', 'mark', MARKS[statusOf(m)]);
        mark.title = statusOf(m);
        meta.append(mark);
      }
      item.append(meta);
      list.append(item);
    }
    if (atBottom || r.scrollDown) list.scrollTop = list.scrollHeight;
    r.scrollDown = false;
  }

  // ---------------------------------------------------------------------------------------------
  // Rooms

  function openRoom(room) {
    stopTyping();
    const r = roomEntry(state.rooms.get(room.roomID)?.room ?? room);
    state.openRoomID = room.roomID;
    r.scrollDown = true;
    markRead(r);
    render();
    $('message-input').focus();
    // History: the SDK answers from its cache, asking Parley for what is older (list_by_room/before).
    tapCoreMessageManager.getOlderMessagesBeforeTimestamp(room.roomID, 50, {
      onSuccess: (messages) => {
        for (const m of Object.values(messages)) upsert(r, m);
        r.loaded = true;
        r.scrollDown = true;
        if (state.openRoomID === room.roomID) markRead(r);
        render();
      },
      onError: (code, message) => notice(`Could not load the messages: ${message} (${code})`),
    });
  }

  /** Opens the personal room with a user, found by userID (the list) or xcUserID (a typed name). */
  function chatWith({ userID, name }) {
    const done = (result) => {
      if (!result.success) {
        notice(name === undefined ? result.error.message : `Nobody called "${name}" has signed in yet: sign in as ${name} in another tab first.`);
        return;
      }
      notice('');
      openRoom(result.room);
    };
    if (userID !== undefined) tapCoreChatRoomManager.createRoomWithUserID(userID, done);
    // Demo users are demo:<name in lower case> (services/demo.ts).
    else tapCoreChatRoomManager.createRoomWithXCUserID(`demo:${name.replace(/\s+/g, ' ').toLowerCase()}`, done);
  }

  // ---------------------------------------------------------------------------------------------
  // SDK listeners (socket events). Every callback the SDK may call must exist: a missing one throws
  // inside its socket reader, which then stops reading.

  const messageListener = {
    onReceiveNewMessage: (m) => {
      const r = roomEntry(m.room);
      upsert(r, m);
      if (fromOther(m)) {
        r.typing = null;
        if (!m.isRead) {
          if (m.room.roomID === state.openRoomID) markRead(r);
          else r.unread += 1;
        }
      }
      render();
    },
    onReceiveUpdateMessage: (m) => {
      upsert(roomEntry(m.room), m);
      render();
    },
  };

  const typingShown = new Map();
  const roomStatusListener = {
    onReceiveStartTyping: (roomID, user) => {
      const r = state.rooms.get(roomID);
      if (r === undefined) return;
      r.typing = user.fullname;
      clearTimeout(typingShown.get(roomID));
      typingShown.set(
        roomID,
        setTimeout(() => roomStatusListener.onReceiveStopTyping(roomID), TYPING_SHOWN_MS),
      );
      render();
    },
    onReceiveStopTyping: (roomID) => {
      const r = state.rooms.get(roomID);
      if (r === undefined || r.typing === null) return;
      r.typing = null;
      render();
    },
    onReceiveOnlineStatus: (user, isOnline) => {
      state.online.set(user.userID, isOnline);
      renderPeople();
    },
    onReceiveScheduledMessage: () => {},
  };

  // ---------------------------------------------------------------------------------------------
  // Session

  async function refreshPeople() {
    try {
      const res = await fetch('demo/users', { cache: 'no-store' });
      const envelope = await res.json();
      if (envelope.status !== 200) return;
      state.people = envelope.data.users;
      state.online.clear();
      renderPeople();
    } catch {
      // The server is restarting: the socket's reconnect reports it.
    }
  }

  function connect() {
    clearTimeout(state.reconnectTimer);
    setStatus('connecting', 'connecting…');
    taptalk.connect({
      onSuccess: () => {
        setStatus('connected', 'connected');
        // Back after a drop: fetch what the open room missed (list_by_room/after).
        if (state.everConnected && state.openRoomID !== null) {
          const r = state.rooms.get(state.openRoomID);
          tapCoreMessageManager.getNewerMessagesAfterTimestamp(state.openRoomID, {
            onSuccess: (messages) => {
              for (const m of Object.values(messages)) upsert(r, m);
              markRead(r);
              render();
            },
            onError: () => {},
          });
        }
        state.everConnected = true;
      },
      onClose: () => reconnectSoon(),
      onError: () => reconnectSoon(),
    });
  }

  function reconnectSoon() {
    if (state.leaving) return;
    setStatus('disconnected', 'disconnected, retrying…');
    clearTimeout(state.reconnectTimer);
    state.reconnectTimer = setTimeout(connect, 3000);
  }

  /** Signed in (a fresh ticket, or the session this tab kept across a reload). */
  function enter() {
    state.me = taptalk.getTaptalkActiveUser();
    $('sign-in').hidden = true;
    $('app').hidden = false;
    $('me').hidden = false;
    $('me-name').textContent = state.me.fullname;
    document.title = `${state.me.fullname} · Parley demo`;
    tapCoreChatRoomManager.addMessageListener(messageListener);
    tapCoreChatRoomManager.addRoomStatusListener(roomStatusListener);
    render();
    refreshPeople();
    setInterval(refreshPeople, 5000);
    // The room list must be loaded before connecting: it is what makes the SDK track incoming messages.
    setStatus('connecting', 'loading chats…');
    tapCoreRoomListManager.getUpdatedRoomList({
      onSuccess: (roomList) => {
        for (const { lastMessage, unreadCount } of Object.values(roomList)) {
          const r = roomEntry(lastMessage.room);
          upsert(r, lastMessage);
          r.unread = unreadCount;
        }
        render();
        connect();
      },
      onError: (code, message) => notice(`Could not load the chats: ${message} (${code})`),
    });
  }

  function leave(text) {
    state.leaving = true;
    if (text) sessionStorage.setItem(NOTICE_KEY, text);
    taptalk.disconnect();
    taptalk.logoutAndClearAllTapTalkData({ onSuccess: () => {}, onError: () => {} });
    // A fresh page is a fresh SDK; the logout request is on its way by now.
    setTimeout(() => location.reload(), 300);
  }

  async function signIn(name) {
    notice('');
    $('sign-in-button').disabled = true;
    try {
      // The demo's stand-in for your backend: it creates or updates the user and asks for a ticket.
      const res = await fetch('demo/ticket', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) });
      const envelope = await res.json();
      if (envelope.status !== 200) throw new Error(envelope.error.message);
      taptalk.authenticateWithAuthTicket(envelope.data.ticket, false, {
        onSuccess: () => enter(),
        onError: (code, message) => {
          notice(`Sign-in failed: ${message} (${code})`);
          $('sign-in-button').disabled = false;
        },
      });
    } catch (err) {
      notice(`Sign-in failed: ${err.message}`);
      $('sign-in-button').disabled = false;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Wiring

  $('sign-in-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const name = $('name').value.trim();
    if (name !== '') signIn(name);
  });

  $('sign-out').addEventListener('click', () => leave(''));
  $('notice-close').addEventListener('click', () => notice(''));

  $('open-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const name = $('peer-name').value.trim();
    if (name === '') return;
    if (state.me !== null && `demo:${name.replace(/\s+/g, ' ').toLowerCase()}` === state.me.xcUserID) {
      notice('That is you: type the name someone else signed in with.');
      return;
    }
    $('peer-name').value = '';
    chatWith({ name });
  });

  $('message-input').addEventListener('input', () => {
    if (state.openRoomID === null) return;
    if ($('message-input').value === '') return stopTyping();
    if (state.typingSentIn !== state.openRoomID) {
      stopTyping();
      emitTyping(true, state.openRoomID);
      state.typingSentIn = state.openRoomID;
    }
    clearTimeout(state.typingTimer);
    state.typingTimer = setTimeout(stopTyping, TYPING_IDLE_MS);
  });

  $('composer').addEventListener('submit', (event) => {
    event.preventDefault();
    const text = $('message-input').value.trim();
    const r = state.openRoomID === null ? undefined : state.rooms.get(state.openRoomID);
    if (text === '' || r === undefined) return;
    $('message-input').value = '';
    stopTyping();
    // The SDK answers at once with the pending copy, sends it over the socket (queued while
    // disconnected), and the server's echo replaces it.
    tapCoreMessageManager.sendTextMessage(text, r.room, (pending) => {
      upsert(r, pending);
      r.scrollDown = true;
      render();
    });
  });

  // Attach: photos go as image messages (the SDK makes the thumbnail), anything else as a file. The
  // SDK uploads first (chat/file/upload), then sends the message with the file's link.
  $('attach').addEventListener('click', () => $('attach-input').click());
  $('attach-input').addEventListener('change', () => {
    const file = $('attach-input').files[0];
    $('attach-input').value = '';
    const r = state.openRoomID === null ? undefined : state.rooms.get(state.openRoomID);
    if (file === undefined || r === undefined) return;
    const shown = (m) => {
      upsert(r, m);
      r.scrollDown = true;
      render();
    };
    const callback = {
      onStart: shown,
      onProgress: () => {},
      onSuccess: shown,
      onError: (code, message) => notice(`Could not send ${file.name}: ${message ?? code}`),
    };
    if (file.type.startsWith('image/')) tapCoreMessageManager.sendImageMessage(file, '', r.room, callback);
    else tapCoreMessageManager.sendFileMessage(file, r.room, callback);
  });

  taptalk.init(config.appKeyID, config.appKeySecret, baseUrl);
  taptalk.addTapListener({ onTapTalkRefreshTokenExpired: () => leave('Your session has ended: sign in again.') });
  const kept = sessionStorage.getItem(NOTICE_KEY);
  sessionStorage.removeItem(NOTICE_KEY);
  if (kept) notice(kept);
  if (taptalk.isAuthenticated()) {
    enter();
  } else {
    $('sign-in').hidden = false;
    $('name').focus();
  }
})();
