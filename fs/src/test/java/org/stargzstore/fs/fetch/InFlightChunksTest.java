package org.stargzstore.fs.fetch;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.stargzstore.estargz.layer.Chunk;
import org.stargzstore.types.Digest;

/**
 * A fetch is shared by chunks that name the same content, digest and size: a TOC that names
 * another layer's digest with a false size fetches (and fails) on its own, and its failure never
 * reaches the readers of the honest chunk.
 */
class InFlightChunksTest {
  @Test
  void aChunkWithTheSameDigestAndAnotherSizeIsFetchedOnItsOwn() {
    Digest d = Digest.of(new byte[17]);
    Chunk honest = new Chunk("a", 0, 17, 0, 1, 0, d, false);
    Chunk sameContent = new Chunk("b", 0, 17, 100, 101, 0, d, false);
    Chunk liar = new Chunk("c", 0, 5, 200, 201, 0, d, false);
    InFlightChunks f = new InFlightChunks();
    InFlightChunks.Claim[] existing = new InFlightChunks.Claim[1];
    InFlightChunks.Claim mine = f.claim(honest, existing);
    assertNotNull(mine);
    assertNull(f.claim(sameContent, existing), "the same content: one fetch");
    assertSame(mine, existing[0]);
    InFlightChunks.Claim lie = f.claim(liar, existing);
    assertNotNull(lie, "another size is other content: its own fetch");
    f.fail(lie, new IOException("hashes to something else"));
    assertFalse(mine.done().isDone(), "the liar's failure does not reach the honest readers");
    f.succeed(mine);
    assertTrue(mine.done().isDone() && !mine.done().isCompletedExceptionally());
  }
}
