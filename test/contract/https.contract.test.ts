import { httpsHarness } from './https.harness.js';
import { transportContract } from './transport-contract.js';

transportContract(httpsHarness);
