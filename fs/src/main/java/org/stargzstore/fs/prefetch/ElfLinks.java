package org.stargzstore.fs.prefetch;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What an executable needs before its first instruction runs: the ELF interpreter
 * ({@code PT_INTERP}), the libraries it links ({@code DT_NEEDED}) and where to look for them
 * ({@code DT_RUNPATH}/{@code DT_RPATH}), or the interpreter of a {@code #!} script. Parsed from
 * the file's bytes; anything unexpected yields "nothing known", never an exception.
 *
 * @param interpreter the ELF interpreter or script interpreter path, if any
 * @param needed DT_NEEDED library names
 * @param searchPaths DT_RUNPATH or DT_RPATH entries ({@code $ORIGIN} not expanded)
 */
public record ElfLinks(Optional<String> interpreter, List<String> needed, List<String> searchPaths) {

  static final ElfLinks NONE = new ElfLinks(Optional.empty(), List.of(), List.of());

  private static final int PT_LOAD = 1;
  private static final int PT_DYNAMIC = 2;
  private static final int PT_INTERP = 3;
  private static final long DT_NEEDED = 1;
  private static final long DT_STRTAB = 5;
  private static final long DT_RPATH = 15;
  private static final long DT_RUNPATH = 29;

  /** Reads the bytes of a file at an offset (fewer at its end). */
  @FunctionalInterface
  public interface Bytes {
    byte[] read(long offset, int length) throws java.io.IOException;
  }

  /** Parses a 64-bit little-endian ELF file or a {@code #!} script; NONE if neither. */
  public static ElfLinks of(Bytes file) {
    try {
      byte[] head = file.read(0, 4096);
      Optional<Shebang> script = Shebang.of(head);
      if (script.isPresent()) {
        return script.get().interpreter().startsWith("/")
            ? new ElfLinks(Optional.of(script.get().interpreter()), List.of(), List.of()) : NONE;
      }
      if (head.length < 64 || head[0] != 0x7f || head[1] != 'E' || head[2] != 'L' || head[3] != 'F'
          || head[4] != 2 || head[5] != 1) {
        return NONE;
      }
      ByteBuffer h = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
      long phoff = h.getLong(32);
      int phentsize = h.getShort(54) & 0xffff;
      int phnum = h.getShort(56) & 0xffff;
      if (phentsize < 56 || phnum == 0 || phnum > 256) {
        return NONE;
      }
      ByteBuffer ph = ByteBuffer.wrap(file.read(phoff, phentsize * phnum))
          .order(ByteOrder.LITTLE_ENDIAN);
      List<long[]> loads = new ArrayList<>();
      Optional<String> interp = Optional.empty();
      long dynOff = -1;
      long dynSize = 0;
      for (int i = 0; i < phnum && (i + 1) * phentsize <= ph.capacity(); i++) {
        int base = i * phentsize;
        int type = ph.getInt(base);
        long off = ph.getLong(base + 8);
        long vaddr = ph.getLong(base + 16);
        long filesz = ph.getLong(base + 32);
        if (type == PT_INTERP && filesz > 0 && filesz < 4096) {
          interp = Optional.of(cString(file.read(off, (int) filesz), 0));
        } else if (type == PT_LOAD) {
          loads.add(new long[] {vaddr, off, filesz});
        } else if (type == PT_DYNAMIC && filesz < (1 << 20)) {
          dynOff = off;
          dynSize = filesz;
        }
      }
      if (dynOff < 0) {
        return new ElfLinks(interp, List.of(), List.of());
      }
      ByteBuffer dyn = ByteBuffer.wrap(file.read(dynOff, (int) dynSize))
          .order(ByteOrder.LITTLE_ENDIAN);
      long strtab = -1;
      List<Long> neededOffsets = new ArrayList<>();
      List<Long> pathOffsets = new ArrayList<>();
      for (int p = 0; p + 16 <= dyn.capacity(); p += 16) {
        long tag = dyn.getLong(p);
        long val = dyn.getLong(p + 8);
        if (tag == 0) {
          break;
        }
        if (tag == DT_NEEDED) {
          neededOffsets.add(val);
        } else if (tag == DT_STRTAB) {
          strtab = val;
        } else if (tag == DT_RUNPATH || tag == DT_RPATH) {
          pathOffsets.add(val);
        }
      }
      long strtabOff = toFileOffset(strtab, loads);
      if (strtabOff < 0) {
        return new ElfLinks(interp, List.of(), List.of());
      }
      List<String> needed = new ArrayList<>();
      for (long o : neededOffsets) {
        needed.add(cString(file.read(strtabOff + o, 256), 0));
      }
      List<String> paths = new ArrayList<>();
      for (long o : pathOffsets) {
        for (String d : cString(file.read(strtabOff + o, 1024), 0).split(":")) {
          if (!d.isEmpty()) {
            paths.add(d);
          }
        }
      }
      return new ElfLinks(interp, List.copyOf(needed), List.copyOf(paths));
    } catch (java.io.IOException | RuntimeException e) {
      return NONE;
    }
  }

  private static long toFileOffset(long vaddr, List<long[]> loads) {
    for (long[] l : loads) {
      if (vaddr >= l[0] && vaddr < l[0] + l[2]) {
        return vaddr - l[0] + l[1];
      }
    }
    return -1;
  }

  private static String cString(byte[] b, int from) {
    int end = from;
    while (end < b.length && b[end] != 0) {
      end++;
    }
    return new String(b, from, end - from, StandardCharsets.UTF_8);
  }
}
