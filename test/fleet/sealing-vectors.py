#!/usr/bin/env python3
# Known-answer vectors for test/fleet/entry-sealing.test.ts, computed independently of the TypeScript code
# (Python hashlib, hmac and the cryptography package). Run: python3 test/fleet/sealing-vectors.py
import hashlib, hmac, struct, base64, json
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

def lp(parts):
    out = b''
    for p in parts:
        b = p.encode() if isinstance(p, str) else p
        out += struct.pack('>I', len(b)) + b
    return out

def hkdf(ikm, salt, info, n=32):
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    okm, t, i = b'', b'', 1
    while len(okm) < n:
        t = hmac.new(prk, t + info + bytes([i]), hashlib.sha256).digest(); okm += t; i += 1
    return okm[:n]

info = lambda label: lp(['cognito-token-provider', 'ctp1', label])
pool, client, user, pw, sec = 'eu-west-1_Example1', 'client-abc', 'svc-reporting', 'Correct-Horse-42!', 'client-secret-xyz'
# store keys: HMAC-SHA256 under a key derived from the key material (the client secret, or an explicit key)
def store_key(material, parts):
    key = hkdf(material, lp(['store key']), info('store key'))
    return 'ctp2:' + hmac.new(key, lp(['store key'] + parts), hashlib.sha256).hexdigest()
print('userKey', store_key(sec.encode(), ['user', pool, client, user]))
print('clientKey', store_key(sec.encode(), ['client', pool, client, '', 'a/read', 'b/write']))
print('explicitKeyedUserKey', store_key(bytes(range(32)), ['user', pool, client, user]))
# user key
ctx = lp(['user', pool, client, user])
salt = hashlib.sha256(lp(['scrypt salt']) + ctx).digest()
stretched = hashlib.scrypt(pw.encode(), salt=salt, n=2**13, r=8, p=1, dklen=32, maxmem=64*1024*1024)
print('userSealing', hkdf(lp([stretched, sec]), ctx, info('entry key: user')).hex())
print('userSealingNoSecret', hkdf(lp([stretched, '']), ctx, info('entry key: user')).hex())
ctx2 = lp(['client', pool, client])
print('clientSealing', hkdf(sec.encode(), ctx2, info('entry key: client')).hex())
explicit = bytes(range(32))
sk = 'ctp1:' + '0'*64
print('explicitSealing', hkdf(explicit, lp([sk]), info('entry key: explicit')).hex())
# a sealed entry made here, for the TS code to open
key = hkdf(sec.encode(), ctx2, info('entry key: client'))
iv = bytes(range(100, 112))
ct = AESGCM(key).encrypt(iv, json.dumps({"accessToken": "tok", "expiresAt": 1700000000000}, separators=(',', ':')).encode(), lp(['ctp1', sk]))
print('pythonSealed', 'ctp1.' + base64.urlsafe_b64encode(iv + ct).decode().rstrip('='))
