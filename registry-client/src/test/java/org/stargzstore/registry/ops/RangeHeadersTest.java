package org.stargzstore.registry.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.stargzstore.registry.errors.RegistryProtocolException;

/** Range answer headers that once crashed the client (bug-* seeds of RangeBodiesFuzzTest). */
class RangeHeadersTest {

  @Test
  void aContentRangeNumberPastTheLargestOffsetIsAProtocolError() {
    RegistryProtocolException e = assertThrows(RegistryProtocolException.class,
        () -> ContentRange.parse("bytes 0-99999999999999999999/200", "blob x"));
    assertTrue(e.getMessage().contains("too large"), e.getMessage());
    assertEquals(new ContentRange(0, 9, -1), assertDoesNotThrowParse("bytes 0-9/*"));
  }

  @Test
  void aContentTypeOfOnlyParametersIsNotMultipart() {
    assertNull(RangeBodies.multipartBoundary(";"));
    assertNull(RangeBodies.multipartBoundary(";;boundary=x"));
    assertEquals("x", RangeBodies.multipartBoundary("multipart/byteranges; boundary=\"x\""));
  }

  private static ContentRange assertDoesNotThrowParse(String header) {
    try {
      return ContentRange.parse(header, "blob x");
    } catch (RegistryProtocolException e) {
      throw new AssertionError(e);
    }
  }
}
