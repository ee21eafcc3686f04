package org.stargzstore.fs.prefetch.python;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Bytes not a well-formed pyc give a PythonModuleFormatException saying why, nothing else. */
class PycHostileInputTest {

  /** The 16-byte header of a CPython 3.11 pyc (magic 3495), then {@code body}. */
  static byte[] pyc311(byte... body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(3495 & 0xff);
    out.write(3495 >> 8);
    out.write('\r');
    out.write('\n');
    out.writeBytes(new byte[12]);
    out.writeBytes(body);
    return out.toByteArray();
  }

  static void assertRefused(byte[] pyc, String reason) {
    PythonModuleFormatException e =
        assertThrows(PythonModuleFormatException.class, () -> PycImports.of(pyc));
    assertTrue(e.getMessage().contains(reason), "'" + e.getMessage() + "' should say " + reason);
  }

  @Test
  void everyTruncationOfARealPycIsRefusedCleanly() {
    for (String tag : PythonResources.SAMPLE_TAGS) {
      byte[] whole = PythonResources.samplePyc(tag);
      for (int n = 0; n < whole.length; n++) {
        byte[] prefix = Arrays.copyOf(whole, n);
        try {
          PycImports.of(prefix);
          fail(tag + ": a " + n + "-byte prefix of " + whole.length + " bytes was read as a pyc");
        } catch (PythonModuleFormatException expected) {
          assertTrue(expected.getMessage().contains("truncated")
              || expected.getMessage().contains("beyond the remaining"),
              tag + " prefix " + n + ": " + expected.getMessage());
        }
      }
    }
  }

  @Test
  void flippedBytesGiveAResultOrAFormatExceptionNeverAnotherException() {
    Random random = new Random(19);
    byte[] whole = PythonResources.debianPyc("json.decoder");
    for (int round = 0; round < 3000; round++) {
      byte[] damaged = whole.clone();
      for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
        damaged[16 + random.nextInt(whole.length - 16)] = (byte) random.nextInt(256);
      }
      try {
        PycImports.of(damaged);
      } catch (PythonModuleFormatException expected) {
        // a clean refusal
      } catch (RuntimeException e) {
        throw new AssertionError("round " + round + ": " + e, e);
      }
    }
  }

  @Test
  void badMagicIsRefused() {
    assertRefused("not a pyc at all, just text".getBytes(), "bad magic");
    byte[] noCrLf = PythonResources.samplePyc("311");
    noCrLf[2] = ' ';
    assertRefused(noCrLf, "bad magic");
  }

  @Test
  void aLengthFieldBeyondTheDataIsRefused() {
    assertRefused(pyc311((byte) 's', (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0x7f),
        "beyond the remaining");
    assertRefused(pyc311((byte) '(', (byte) 0x00, (byte) 0x00, (byte) 0x00, (byte) 0x10),
        "beyond the remaining");
    assertRefused(pyc311((byte) 'l', (byte) 0x00, (byte) 0x00, (byte) 0x00, (byte) 0x80),
        "beyond the remaining");
  }

  @Test
  void nestingDeeperThanTheLimitIsRefused() {
    byte[] body = new byte[2 * 300 + 1];
    for (int i = 0; i < 300; i++) {
      body[2 * i] = ')';
      body[2 * i + 1] = 1;
    }
    body[600] = 'N';
    assertRefused(pyc311(body), "deeper than " + Marshal.MAX_DEPTH);
  }

  @Test
  void moreObjectsThanTheLimitAreRefused() {
    int n = Marshal.MAX_OBJECTS + 10;
    byte[] body = new byte[5 + n];
    body[0] = '(';
    body[1] = (byte) n;
    body[2] = (byte) (n >> 8);
    body[3] = (byte) (n >> 16);
    body[4] = (byte) (n >> 24);
    Arrays.fill(body, 5, body.length, (byte) 'N');
    assertRefused(pyc311(body), "more than " + Marshal.MAX_OBJECTS + " objects");
  }

  @Test
  void aHugeIntIsSkippedInLinearTime() {
    int digits = 4_000_000;
    byte[] body = new byte[5 + 2 * digits];
    body[0] = 'l';
    body[1] = (byte) digits;
    body[2] = (byte) (digits >> 8);
    body[3] = (byte) (digits >> 16);
    body[4] = (byte) (digits >> 24);
    Arrays.fill(body, 5, body.length, (byte) 0x55);
    // Building it as a BigInteger digit by digit took minutes; the timeout allows for a busy host.
    assertTimeoutPreemptively(Duration.ofSeconds(30),
        () -> assertRefused(pyc311(body), "no code object"));
  }

  @Test
  void aPycOverTheSizeLimitIsRefused() {
    assertRefused(pyc311(new byte[PycImports.MAX_PYC_BYTES]), "limit");
  }

  @Test
  void badReferencesAreRefused() {
    // a tuple with a ref slot whose one item refers to the tuple itself, still being read
    assertRefused(pyc311((byte) ('(' | 0x80), (byte) 1, (byte) 0, (byte) 0, (byte) 0,
        (byte) 'r', (byte) 0, (byte) 0, (byte) 0, (byte) 0), "still being read");
    assertRefused(pyc311((byte) 'r', (byte) 5, (byte) 0, (byte) 0, (byte) 0), "reference 5");
  }

  @Test
  void somethingOtherThanACodeObjectIsRefused() {
    assertRefused(pyc311((byte) 'N'), "no code object");
    assertRefused(pyc311((byte) '?'), "unknown marshal type");
  }
}
