package org.stargzstore.estargz.toc;

import java.util.Optional;

/** The {@code type} of a TOC entry, as both eStargz and containers/storage spell it. */
public enum EntryType {
  REG("reg"),
  DIR("dir"),
  SYMLINK("symlink"),
  HARDLINK("hardlink"),
  CHAR("char"),
  BLOCK("block"),
  FIFO("fifo"),
  /** A continuation of the preceding regular file: one more piece of its content. */
  CHUNK("chunk");

  private final String jsonName;

  EntryType(String jsonName) {
    this.jsonName = jsonName;
  }

  public String jsonName() {
    return jsonName;
  }

  public static Optional<EntryType> fromJson(String s) {
    for (EntryType t : values()) {
      if (t.jsonName.equals(s)) {
        return Optional.of(t);
      }
    }
    return Optional.empty();
  }
}
