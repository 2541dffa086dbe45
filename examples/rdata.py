"""rdata.py: R's XDR serialization and lazy-load databases (.rdx/.rdb),
read far enough for the character vectors of a data package (janeaustenr),
without R.  Format: R Internals, "Serialization formats"."""
import gzip
import struct
import zlib

NIL_LIKE = (254, 253, 242, 241, 251, 247, 252)   # NULL, environments, ...
HAS_ATTR, HAS_TAG = 1 << 9, 1 << 10


class R:
    """A reader of one serialized object (XDR, versions 2 and 3)."""

    def __init__(self, b):
        self.b, self.p, self.refs = b, 0, []

    def int(self):
        v = struct.unpack_from('>i', self.b, self.p)[0]
        self.p += 4
        return v

    def array(self, code, size):
        n = self.int()
        v = list(struct.unpack_from('>%d%s' % (n, code), self.b, self.p))
        self.p += size * n
        return v

    def top(self):
        if self.b[:2] != b'X\n':
            raise ValueError('not R XDR serialization')
        self.p = 2
        version = self.int()
        self.int()                       # the writer's R version
        self.int()                       # the oldest reader's
        if version == 3:
            n = self.int()               # the native encoding's name
            self.p += n
        return self.item()

    def pairlist(self, flags):
        out = []
        while flags & 0xff != 254:
            if flags & HAS_ATTR:
                self.item()
            tag = self.item() if flags & HAS_TAG else None
            out.append((tag, self.item()))
            flags = self.int()
        return out

    def item(self):
        flags = self.int()
        t = flags & 0xff
        if t in NIL_LIKE:
            return None
        if t == 255:                     # a reference to an earlier symbol
            return self.refs[(flags >> 8) - 1]
        if t == 1:                       # symbol
            s = self.item()
            self.refs.append(s)
            return s
        if t == 9:                       # a string (length -1: NA)
            n = self.int()
            if n < 0:
                return None
            s = self.b[self.p:self.p + n].decode('utf-8', 'replace')
            self.p += n
            return s
        if t in (2, 6, 17):              # pairlist, language, dots
            return self.pairlist(flags)
        if t in (16, 19, 20):            # character vector, list
            v = [self.item() for _ in range(self.int())]
        elif t in (10, 13):              # logical, integer
            v = self.array('i', 4)
        elif t == 14:                    # double
            v = self.array('d', 8)
        else:
            raise ValueError('R type %d not read' % t)
        if flags & HAS_ATTR:
            attrs = dict(self.item())
            if 'names' in attrs:
                return dict(zip(attrs['names'], v))
        return v


def load(prefix):
    """The objects of the lazy-load database PREFIX.rdx/.rdb by name: the
    index is a gzipped serialized list whose "variables" give each object's
    offset and length in the .rdb, where it is a 4-byte length then zlib
    data."""
    idx = R(gzip.open(prefix + '.rdx').read()).top()
    with open(prefix + '.rdb', 'rb') as f:
        db = f.read()
    return {name: R(zlib.decompress(db[off + 4:off + n])).top()
            for name, (off, n) in idx['variables'].items()}
