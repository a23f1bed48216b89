import { dirDropHarness } from './dir-drop.harness.js';
import { transportContract } from './transport-contract.js';

transportContract(dirDropHarness);
