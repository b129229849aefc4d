import { measureEncryptionThroughput } from '../../media/encryption/measure.js';
const r = await measureEncryptionThroughput({ bytes: 1024 * 2 ** 20 });
console.log(process.env.GLIBC_TUNABLES ?? 'default', r.encryptMBps.toFixed(0), r.decryptMBps.toFixed(0));
