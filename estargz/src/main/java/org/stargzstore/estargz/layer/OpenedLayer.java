package org.stargzstore.estargz.layer;

/**
 * A layer whose format is known and whose TOC has been read (and verified, if a digest was
 * known): everything needed to serve its files lazily.
 *
 * @param blob the blob's description, for error messages
 * @param blobSize the blob's size in bytes
 * @param format the format that recognised the blob
 * @param location where the TOC is
 * @param toc the parsed TOC and its digest
 */
public record OpenedLayer(String blob, long blobSize, LayerFormat format, TocLocation location,
    OpenedToc toc) {

  public LayerIndex index() {
    return toc.index();
  }
}
