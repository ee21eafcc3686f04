package org.stargzstore.estargz.writer;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Fuzzes the tar reader the converters put every input layer through (ustar, GNU and PAX
 * headers, long names, sizes in octal and base-256, end-of-archive rules). Any input is read
 * to its end or fails with an {@link InvalidTarException}; every other entry's content is read,
 * the rest skipped, as the writers do.
 */
class TarStreamReaderFuzzTest {

  @FuzzTest(maxDuration = "10s")
  void readWholeArchive(byte[] tar) throws IOException {
    TarStreamReader r = new TarStreamReader(new ByteArrayInputStream(tar), "fuzz.tar");
    byte[] buf = new byte[4096];
    try {
      int i = 0;
      for (TarEntry e = r.next(); e != null; e = r.next()) {
        if (i++ % 2 == 0) {
          long read = 0;
          for (int n; (n = r.readContent(buf, 0, buf.length)) >= 0; ) {
            read += n;
          }
          if (read != e.contentLength()) {
            throw new AssertionError("read " + read + " content bytes of " + e);
          }
          r.readPadding();
        }
        r.rawHeader();
      }
      r.remainder().transferTo(OutputStream.nullOutputStream());
    } catch (InvalidTarException expected) {
      // the contract: a typed error naming the input
    }
  }
}
