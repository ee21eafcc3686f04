package org.stargzstore.fs.fetch;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
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
    InFlightChunks.Claimed first = f.claim(honest);
    assertTrue(first.mine());
    InFlightChunks.Claim mine = first.claim();
    InFlightChunks.Claimed again = f.claim(sameContent);
    assertFalse(again.mine(), "the same content: one fetch");
    assertSame(mine, again.claim());
    InFlightChunks.Claimed lied = f.claim(liar);
    assertTrue(lied.mine(), "another size is other content: its own fetch");
    InFlightChunks.Claim lie = lied.claim();
    assertNotSame(mine, lie);
    f.fail(lie, new IOException("hashes to something else"));
    assertFalse(mine.done().isDone(), "the liar's failure does not reach the honest readers");
    f.succeed(mine);
    assertTrue(mine.done().isDone() && !mine.done().isCompletedExceptionally());
  }
}
