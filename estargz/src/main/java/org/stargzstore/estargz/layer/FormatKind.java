package org.stargzstore.estargz.layer;

/** The lazily readable layer formats, and the facts about each that callers outside need. */
public enum FormatKind {
  /** eStargz: gzip members, TOC tar entry {@code stargz.index.json}, 51- or 47-byte footer. */
  ESTARGZ("estargz", Compression.GZIP),
  /** zstd:chunked as stargz-snapshotter writes it: eStargz TOC in zstd, 40-byte footer. */
  ZSTD_CHUNKED_STARGZ("zstd:chunked (stargz-snapshotter)", Compression.ZSTD),
  /** zstd:chunked as containers/storage (podman push) writes it: its own manifest and footer. */
  ZSTD_CHUNKED_STORAGE("zstd:chunked (containers/storage)", Compression.ZSTD);

  private final String displayName;
  private final Compression compression;

  FormatKind(String displayName, Compression compression) {
    this.displayName = displayName;
    this.compression = compression;
  }

  public String displayName() {
    return displayName;
  }

  public Compression compression() {
    return compression;
  }

  /** The whole blob's compression, as containers/storage numbers it in a layer's JSON. */
  public enum Compression {
    GZIP(2),
    ZSTD(4);

    private final int containersStorageId;

    Compression(int containersStorageId) {
      this.containersStorageId = containersStorageId;
    }

    /** containers/storage {@code archive.Compression}: 0 none, 1 bzip2, 2 gzip, 3 xz, 4 zstd. */
    public int containersStorageId() {
      return containersStorageId;
    }
  }
}
