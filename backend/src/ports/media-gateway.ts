/**
 * The backend's view of the media server. Implemented by the Janus pool in
 * media/janus; the backend never speaks Janus itself.
 */
export interface RoomRef {
  nodeId: string;
  roomId: number;
  /** Room secret: needed to destroy the room or switch recording. */
  secret: string;
}

export interface CreatedRoom extends RoomRef {
  /** Pin every participant needs to join. */
  pin: string;
}

export interface CreateRoomOptions {
  /** Folder where the media server writes this room's raw recordings (.mjr). */
  recordingDir: string;
  /** Maximum concurrent publishers (2 for agent + customer). */
  publishers: number;
  /** Admit only end-to-end encrypted media (the meeting type's `e2ee`); such a room cannot be recorded usefully. */
  e2ee?: boolean;
}

export interface RoomParticipant {
  id: number;
  display?: string;
  publisher: boolean;
}

export interface MediaNodeHealth {
  id: string;
  healthy: boolean;
  rooms: number;
}

export interface MediaGateway {
  /** Creates a private room on the healthy node with the fewest rooms. */
  createRoom(options: CreateRoomOptions): Promise<CreatedRoom>;
  /** Destroys a room; a room that no longer exists is not an error. */
  destroyRoom(room: RoomRef): Promise<void>;
  setRecording(room: RoomRef, on: boolean): Promise<void>;
  listParticipants(room: RoomRef): Promise<RoomParticipant[]>;
  /** From now on only these participant tokens may join the room, as publisher or subscriber. */
  restrictRoom(room: RoomRef, tokens: string[]): Promise<void>;
  /** Adds one token to a room's list, for a participant who comes after the room was locked (a supervisor). */
  allowInRoom(room: RoomRef, token: string): Promise<void>;
  /** Takes one participant (by the media server's id, from listParticipants) out of the room. */
  kick(room: RoomRef, participantId: number): Promise<void>;
  /** Authorises one participant token on the room's node (Janus token_auth). */
  addParticipantToken(nodeId: string, token: string): Promise<void>;
  removeParticipantToken(nodeId: string, token: string): Promise<void>;
  /** URL the browser's janus.js uses for the node (HTTP transport). */
  browserUrl(nodeId: string): string;
  health(): Promise<MediaNodeHealth[]>;
  close(): Promise<void>;
}

/** Thrown by a MediaGateway when no node can serve the request. */
export class MediaUnavailableError extends Error {
  override readonly name = 'MediaUnavailableError';
}
