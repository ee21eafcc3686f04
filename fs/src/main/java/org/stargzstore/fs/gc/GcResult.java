package org.stargzstore.fs.gc;

/**
 * What one collection did.
 *
 * @param blobsBefore stored blobs before
 * @param bytesBefore stored bytes before
 * @param liveBlobs blobs protected because a layer in use needs them
 * @param liveBytes their bytes
 * @param deletedBlobs blobs deleted
 * @param deletedBytes bytes freed
 * @param overBudget true if live content alone exceeds the budget (nothing more can be freed)
 * @param forgottenLayers layers whose records went with their deleted TOC
 * @param forgottenImages images whose records went with their deleted manifest
 */
public record GcResult(long blobsBefore, long bytesBefore, long liveBlobs, long liveBytes,
    long deletedBlobs, long deletedBytes, boolean overBudget, int forgottenLayers,
    int forgottenImages) {

  public long bytesAfter() {
    return bytesBefore - deletedBytes;
  }
}
