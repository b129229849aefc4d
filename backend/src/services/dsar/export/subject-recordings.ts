import { Readable } from 'node:stream';
import { and, eq, inArray, isNotNull } from 'drizzle-orm';
import { openEncryptedFile } from '../../../../../media/encryption/format.js';
import type { DbOrTx } from '../../../db/client.js';
import { recordings, subjectKeys } from '../../../db/schema/index.js';
import type { BlobStore } from '../../../ports/blob-store.js';
import type { MasterKeys } from '../../../ports/master-keys.js';
import { unwrapRecordingKey } from '../../recordings/keys.js';
import type { BundleEntry } from './bundle.js';
import { recordingEntryName } from './settings.js';

/**
 * The subject's stored recordings, each ready to be opened and decrypted as a stream when the
 * bundle reaches it (as playback opens one: header, key and final chunk verified first).
 */
export async function subjectRecordings(
  db: DbOrTx,
  masterKeys: MasterKeys,
  stores: ReadonlyMap<string, BlobStore>,
  tenantId: string,
  customerId: string,
): Promise<BundleEntry[]> {
  const rows = await db
    .select({ recording: recordings, subject: subjectKeys })
    .from(recordings)
    .innerJoin(subjectKeys, eq(subjectKeys.id, recordings.subjectKeyId))
    .where(
      and(
        eq(recordings.tenantId, tenantId),
        eq(recordings.customerId, customerId),
        inArray(recordings.stage, ['stored', 'done']),
        isNotNull(recordings.objectKey),
        isNotNull(recordings.wrappedKey),
      ),
    )
    .orderBy(recordings.createdAt);
  return rows.map(({ recording, subject }) => ({
    entryName: recordingEntryName(recording.id),
    async open() {
      const store = stores.get(recording.storageLocation);
      if (!store) throw new Error(`storage location "${recording.storageLocation}" of recording ${recording.id} is not configured`);
      const reader = await store.open(recording.objectKey!);
      try {
        const file = await openEncryptedFile(reader, () => unwrapRecordingKey(masterKeys, recording, subject));
        const stream = file.plaintextLength === 0 ? Readable.from([]) : file.stream(0, file.plaintextLength - 1);
        return { stream, close: () => reader.close() };
      } catch (error) {
        await reader.close();
        throw error;
      }
    },
  }));
}
