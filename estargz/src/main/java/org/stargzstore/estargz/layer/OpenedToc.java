package org.stargzstore.estargz.layer;

import java.util.Objects;
import java.util.Optional;
import org.stargzstore.types.Digest;

/**
 * A parsed TOC and what is known about its integrity.
 *
 * @param index the layer's contents
 * @param tocDigest the digest that names this TOC in annotations (for eStargz and the stargz zstd
 *     flavour, sha256 of the TOC JSON; for containers/storage, sha256 of the compressed manifest)
 * @param verified true if {@code tocDigest} was checked against an expected digest
 * @param tarSplitDigest the digest of the compressed tar-split the TOC names (containers/storage
 *     1.54+), covered by the TOC digest; empty if the TOC names none or a malformed one
 */
public record OpenedToc(LayerIndex index, Digest tocDigest, boolean verified,
    Optional<Digest> tarSplitDigest) {

  public OpenedToc {
    Objects.requireNonNull(tarSplitDigest, "tarSplitDigest");
  }

  /** A TOC that names no tar-split. */
  public OpenedToc(LayerIndex index, Digest tocDigest, boolean verified) {
    this(index, tocDigest, verified, Optional.empty());
  }
}
