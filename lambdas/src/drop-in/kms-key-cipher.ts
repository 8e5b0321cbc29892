/**
 * Seals the drop-in signing keys with the stack's KMS key. The relay may only Encrypt and the
 * verifying functions only Decrypt (lib/drop-in.ts), so no single function both writes keys and reads
 * them back. The encryption context binds each ciphertext to its item (dynamodb-key-store.ts).
 */
import { DecryptCommand, EncryptCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { KeyCipher } from './ports';

export class KmsKeyCipher implements KeyCipher {
  constructor(
    private readonly client: KMSClient,
    private readonly keyId: string,
  ) {}

  async seal(plaintext: Uint8Array, context: Readonly<Record<string, string>>): Promise<Uint8Array> {
    const { CiphertextBlob } = await this.client.send(new EncryptCommand({ KeyId: this.keyId, Plaintext: plaintext, EncryptionContext: { ...context } }));
    if (!CiphertextBlob) throw new Error('KMS Encrypt returned no ciphertext');
    return CiphertextBlob;
  }

  async open(ciphertext: Uint8Array, context: Readonly<Record<string, string>>): Promise<Uint8Array> {
    // KeyId too: a ciphertext of any other key of the account is refused, not decrypted.
    const { Plaintext } = await this.client.send(new DecryptCommand({ KeyId: this.keyId, CiphertextBlob: ciphertext, EncryptionContext: { ...context } }));
    if (!Plaintext) throw new Error('KMS Decrypt returned no plaintext');
    return Plaintext;
  }
}
