/** Reading a whole list answer the way listDatabaseBackups does, for tests that start from a body. */
import { LIST_BACKUPS, parseDatabaseList } from '../../tasks/common/lcs/databaseAssets';
import { parseEnvelope } from '../../tasks/common/lcs/lcsClient';

/** A 200 answer of the list request: the envelope (IsSuccess, VersionEOL, ...), then DatabaseAssets. */
export function parseDatabaseListResponse(body: string, contentType: string | undefined) {
  const envelope = parseEnvelope(body, contentType, LIST_BACKUPS);
  return { ...parseDatabaseList(envelope), operationActivityId: envelope.operationActivityId, versionEol: envelope.versionEol };
}
