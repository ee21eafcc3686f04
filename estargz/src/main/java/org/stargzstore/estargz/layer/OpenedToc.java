package org.stargzstore.estargz.layer;

import org.stargzstore.estargz.Digest;

/**
 * A parsed TOC and what is known about its integrity.
 *
 * @param index the layer's contents
 * @param tocDigest the digest that names this TOC in annotations (for eStargz and the stargz zstd
 *     flavour, sha256 of the TOC JSON; for containers/storage, sha256 of the compressed manifest)
 * @param verified true if {@code tocDigest} was checked against an expected digest
 */
public record OpenedToc(LayerIndex index, Digest tocDigest, boolean verified) {}
