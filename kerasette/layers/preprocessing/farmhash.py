"""The string hashes behind Keras 3's ``Hashing`` and ``HashedCrossing``, on the host.

Keras 3 hashes with TensorFlow: ``tf.strings.to_hash_bucket_fast`` (FarmHash's
``Fingerprint64``, i.e. ``farmhashna::Hash64``) and, with a salt,
``tf.strings.to_hash_bucket_strong`` (SipHash-2-4 keyed by the two salt words). Both are
written here in plain Python integers (64-bit arithmetic by masking), so that the bins
kerasette gives are the bins Keras gives, without TensorFlow.
"""

_MASK = (1 << 64) - 1
# FarmHash's primes between 2**63 and 2**64
_K0 = 0xC3A5C85C97CB3127
_K1 = 0xB492B66FBE98F273
_K2 = 0x9AE16A3B2F90404F
_MUL = 0x9DDFEA08EB382D69


def _rotate(value, shift):
    return ((value >> shift) | (value << (64 - shift))) & _MASK if shift else value


def _word64(data, offset):
    return int.from_bytes(data[offset:offset + 8], "little")


def _word32(data, offset):
    return int.from_bytes(data[offset:offset + 4], "little")


def _shift_mix(value):
    return value ^ (value >> 47)


def _hash16(u, v, mul=_MUL):
    a = _shift_mix(((u ^ v) * mul) & _MASK)
    b = _shift_mix(((v ^ a) * mul) & _MASK)
    return (b * mul) & _MASK


def _hash_0_to_16(data):
    size = len(data)
    mul = (_K2 + size * 2) & _MASK
    if size >= 8:
        a = (_word64(data, 0) + _K2) & _MASK
        b = _word64(data, size - 8)
        c = (_rotate(b, 37) * mul + a) & _MASK
        d = ((_rotate(a, 25) + b) * mul) & _MASK
        return _hash16(c, d, mul)
    if size >= 4:
        return _hash16((size + (_word32(data, 0) << 3)) & _MASK, _word32(data, size - 4), mul)
    if size:
        y = data[0] + (data[size >> 1] << 8)
        z = size + (data[size - 1] << 2)
        return (_shift_mix(((y * _K2) ^ (z * _K0)) & _MASK) * _K2) & _MASK
    return _K2


def _hash_17_to_32(data):
    size = len(data)
    mul = (_K2 + size * 2) & _MASK
    a = (_word64(data, 0) * _K1) & _MASK
    b = _word64(data, 8)
    c = (_word64(data, size - 8) * mul) & _MASK
    d = (_word64(data, size - 16) * _K2) & _MASK
    return _hash16((_rotate((a + b) & _MASK, 43) + _rotate(c, 30) + d) & _MASK,
                   (a + _rotate((b + _K2) & _MASK, 18) + c) & _MASK, mul)


def _hash_33_to_64(data):
    size = len(data)
    mul = (_K2 + size * 2) & _MASK
    a = (_word64(data, 0) * _K2) & _MASK
    b = _word64(data, 8)
    c = (_word64(data, size - 8) * mul) & _MASK
    d = (_word64(data, size - 16) * _K2) & _MASK
    y = (_rotate((a + b) & _MASK, 43) + _rotate(c, 30) + d) & _MASK
    z = _hash16(y, (a + _rotate((b + _K2) & _MASK, 18) + c) & _MASK, mul)
    e = (_word64(data, 16) * mul) & _MASK
    f = _word64(data, 24)
    g = ((y + _word64(data, size - 32)) * mul) & _MASK
    h = ((z + _word64(data, size - 24)) * mul) & _MASK
    return _hash16((_rotate((e + f) & _MASK, 43) + _rotate(g, 30) + h) & _MASK,
                   (e + _rotate((f + a) & _MASK, 18) + g) & _MASK, mul)


def _weak_hash32(data, offset, a, b):
    """FarmHash's 16-byte hash of 32 bytes at ``offset`` and two seeds."""
    w, x, y, z = (_word64(data, offset + 8 * i) for i in range(4))
    a = (a + w) & _MASK
    b = _rotate((b + a + z) & _MASK, 21)
    c = a
    a = (a + x + y) & _MASK
    b = (b + _rotate(a, 44)) & _MASK
    return (a + z) & _MASK, (b + c) & _MASK


def fingerprint64(data):
    """FarmHash ``Fingerprint64`` of ``data`` (bytes) as an unsigned int: the hash of
    TensorFlow's ``to_hash_bucket_fast`` and ``Fingerprint``."""
    size = len(data)
    if size <= 16:
        return _hash_0_to_16(data)
    if size <= 32:
        return _hash_17_to_32(data)
    if size <= 64:
        return _hash_33_to_64(data)
    # longer inputs: 64-byte blocks through a 56-byte state, then the last 64 bytes
    seed = 81
    x = seed
    y = (seed * _K1 + 113) & _MASK
    z = (_shift_mix((y * _K2 + 113) & _MASK) * _K2) & _MASK
    v, w = (0, 0), (0, 0)
    x = (x * _K2 + _word64(data, 0)) & _MASK
    end = ((size - 1) // 64) * 64
    last64 = size - 64
    offset = 0
    while offset != end:
        x = (_rotate((x + y + v[0] + _word64(data, offset + 8)) & _MASK, 37) * _K1) & _MASK
        y = (_rotate((y + v[1] + _word64(data, offset + 48)) & _MASK, 42) * _K1) & _MASK
        x ^= w[1]
        y = (y + v[0] + _word64(data, offset + 40)) & _MASK
        z = (_rotate((z + w[0]) & _MASK, 33) * _K1) & _MASK
        v = _weak_hash32(data, offset, (v[1] * _K1) & _MASK, (x + w[0]) & _MASK)
        w = _weak_hash32(data, offset + 32, (z + w[1]) & _MASK,
                         (y + _word64(data, offset + 16)) & _MASK)
        z, x = x, z
        offset += 64
    mul = (_K1 + ((z & 0xFF) << 1)) & _MASK
    offset = last64
    w0 = (w[0] + ((size - 1) & 63)) & _MASK
    v0 = (v[0] + w0) & _MASK
    w0 = (w0 + v0) & _MASK
    v, w = (v0, v[1]), (w0, w[1])
    x = (_rotate((x + y + v[0] + _word64(data, offset + 8)) & _MASK, 37) * mul) & _MASK
    y = (_rotate((y + v[1] + _word64(data, offset + 48)) & _MASK, 42) * mul) & _MASK
    x ^= (w[1] * 9) & _MASK
    y = (y + v[0] * 9 + _word64(data, offset + 40)) & _MASK
    z = (_rotate((z + w[0]) & _MASK, 33) * mul) & _MASK
    v = _weak_hash32(data, offset, (v[1] * mul) & _MASK, (x + w[0]) & _MASK)
    w = _weak_hash32(data, offset + 32, (z + w[1]) & _MASK,
                     (y + _word64(data, offset + 16)) & _MASK)
    z, x = x, z
    return _hash16((_hash16(v[0], w[0], mul) + _shift_mix(y) * _K0 + z) & _MASK,
                   (_hash16(v[1], w[1], mul) + x) & _MASK, mul)


def siphash64(key, data):
    """SipHash-2-4 of ``data`` (bytes) with ``key`` (two unsigned 64-bit words): the hash of
    TensorFlow's ``to_hash_bucket_strong``."""
    k0, k1 = key[0] & _MASK, key[1] & _MASK
    v0 = k0 ^ 0x736F6D6570736575
    v1 = k1 ^ 0x646F72616E646F6D
    v2 = k0 ^ 0x6C7967656E657261
    v3 = k1 ^ 0x7465646279746573

    def rounds(count):
        nonlocal v0, v1, v2, v3
        for _ in range(count):
            v0 = (v0 + v1) & _MASK
            v1 = ((v1 << 13) | (v1 >> 51)) & _MASK ^ v0
            v0 = ((v0 << 32) | (v0 >> 32)) & _MASK
            v2 = (v2 + v3) & _MASK
            v3 = ((v3 << 16) | (v3 >> 48)) & _MASK ^ v2
            v0 = (v0 + v3) & _MASK
            v3 = ((v3 << 21) | (v3 >> 43)) & _MASK ^ v0
            v2 = (v2 + v1) & _MASK
            v1 = ((v1 << 17) | (v1 >> 47)) & _MASK ^ v2
            v2 = ((v2 << 32) | (v2 >> 32)) & _MASK

    size = len(data)
    full = size - size % 8
    # the last word holds the remaining bytes and the length's low byte on top
    blocks = [_word64(data, i) for i in range(0, full, 8)]
    blocks.append(int.from_bytes(data[full:], "little") | ((size & 0xFF) << 56))
    for m in blocks:
        v3 ^= m
        rounds(2)
        v0 ^= m
    v2 ^= 0xFF
    rounds(4)
    return v0 ^ v1 ^ v2 ^ v3


# TensorFlow's key for crossed features (tf.sparse.cross_hashed's default hash_key)
CROSS_HASH_KEY = 0xDECAFCAFFE
_CAT_MUL = 0xC6A4A7935BD1E995


def fingerprint_cat64(first, second):
    """TensorFlow's ``FingerprintCat64``: combines two 64-bit fingerprints into one."""
    result = first ^ _CAT_MUL
    result ^= (_shift_mix((second * _CAT_MUL) & _MASK) * _CAT_MUL) & _MASK
    result = (result * _CAT_MUL) & _MASK
    result = (_shift_mix(result) * _CAT_MUL) & _MASK
    return _shift_mix(result)
