from Crypto.Cipher import AES
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def encrypt(key, data, iv):
    # ruleid: python-cipher-ecb-mode
    legacy = AES.new(key, AES.MODE_ECB)
    # ruleid: python-cipher-ecb-mode
    cipher = Cipher(algorithms.AES(key), modes.ECB())
    # ok: python-cipher-ecb-mode
    good = AES.new(key, AES.MODE_GCM)
    # ok: python-cipher-ecb-mode
    cbc = Cipher(algorithms.AES(key), modes.CBC(iv))
    # ok: python-cipher-ecb-mode
    aead = AESGCM(key)
    return legacy, cipher, good, cbc, aead
