import { natsHarness } from './nats.harness.js';
import { transportContract } from './transport-contract.js';

transportContract(natsHarness);
