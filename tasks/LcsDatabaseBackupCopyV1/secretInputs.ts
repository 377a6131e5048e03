/** First import of index.ts: destinationSasUrl is a credential; see common/platform/secretInputs.ts. */
import { captureSecretInputs } from '../common/platform/secretInputs';

captureSecretInputs(['destinationSasUrl']);
