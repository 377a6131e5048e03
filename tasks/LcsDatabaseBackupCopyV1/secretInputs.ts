/** First import of index.ts: destinationSasUrl is a credential; see common/secretInputs.ts. */
import { captureSecretInputs } from '../common/secretInputs';

captureSecretInputs(['destinationSasUrl']);
