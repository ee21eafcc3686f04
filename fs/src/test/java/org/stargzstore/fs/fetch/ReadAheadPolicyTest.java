package org.stargzstore.fs.fetch;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.stargzstore.estargz.layer.Chunk;
import org.stargzstore.types.Digest;

/** What the read-ahead policy reads after a miss. */
class ReadAheadPolicyTest {
  @Test
  void readAheadAfterALoaderLibraryStaysInThatLibrary() {
    String libm = "usr/lib/x86_64-linux-gnu/libm.so.6";
    assertTrue(ReadAheadPolicy.readsNext(libm, unitOf(libm)), "the rest of the library");
    assertFalse(ReadAheadPolicy.readsNext(libm, unitOf("usr/lib/x86_64-linux-gnu/libmd.so.0")),
        "the next library in blob order is loaded by name, if at all");
    assertTrue(ReadAheadPolicy.readsNext("usr/lib/python3.11/lib-dynload/_json.cpython-311.so",
        unitOf("usr/lib/python3.11/lib-dynload/_lzma.cpython-311.so")),
        "an interpreter's modules are imported close to their blob order");
    String decoder = "usr/lib/python3.11/json/__pycache__/decoder.cpython-311.pyc";
    assertTrue(ReadAheadPolicy.readsNext(decoder,
        unitOf("usr/lib/python3.11/json/__pycache__/encoder.cpython-311.pyc")),
        "other files of the directory");
    assertFalse(ReadAheadPolicy.readsNext(decoder,
        unitOf("usr/lib/python3.11/logging/__pycache__/__init__.cpython-311.pyc")));
  }

  private static Unit unitOf(String file) {
    Chunk c = new Chunk(file, 0, 100, 1000, 1100, 0, Digest.of(file.getBytes()), false);
    return new Unit(7, 1000, 1100, List.of(c));
  }
}
