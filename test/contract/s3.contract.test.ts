import { s3Harness } from './s3.harness.js';
import { transportContract } from './transport-contract.js';

transportContract(s3Harness);
