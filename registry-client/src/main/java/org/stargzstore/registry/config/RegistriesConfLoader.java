package org.stargzstore.registry.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import org.stargzstore.registry.errors.RegistryConfigurationException;

/**
 * Reads registries.conf and its drop-in directories the way containers/image does: the main
 * file (v2, or v1 converted), then every {@code *.conf} of each drop-in directory in name order,
 * each drop-in replacing registry entries with the same prefix and any top-level list it sets.
 * Errors name the file and the problem.
 */
public final class RegistriesConfLoader {
  private static final Logger LOG = Logger.getLogger(RegistriesConfLoader.class.getName());
  private static final TomlMapper TOML = new TomlMapper();
  private static final Pattern DOMAIN = Pattern.compile(
      "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
          + "(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?");
  private static final Set<String> TOP_KEYS = Set.of("registry", "unqualified-search-registries",
      "credential-helpers", "short-name-mode", "aliases", "additional-layer-store-auth-helper",
      "registries");

  private RegistriesConfLoader() {}

  /**
   * Loads {@code mainFile} and the drop-ins.
   *
   * @param mainFileRequired if false a missing main file means an empty configuration (the
   *     default path); if true (a path the user chose) it is an error
   */
  public static RegistriesConf load(Path mainFile, List<Path> dropInDirs, boolean mainFileRequired)
      throws RegistryConfigurationException {
    List<Path> sources = new ArrayList<>();
    Partial merged;
    try {
      merged = parse(mainFile, false);
      sources.add(mainFile);
    } catch (NoSuchFileException e) {
      if (mainFileRequired) {
        throw new RegistryConfigurationException("registries configuration " + mainFile
            + " does not exist");
      }
      merged = new Partial();
    }
    for (Path dir : dropInDirs) {
      for (Path f : dropIns(dir)) {
        try {
          merged.update(parse(f, true));
          sources.add(f);
        } catch (NoSuchFileException e) {
          // removed while we listed: skip it, as containers/image does
        }
      }
    }
    return new RegistriesConf(new ArrayList<>(merged.registries.values()),
        merged.search == null ? List.of() : merged.search, merged.helpers,
        merged.shortNameMode, sources);
  }

  private static List<Path> dropIns(Path dir) throws RegistryConfigurationException {
    List<Path> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.conf")) {
      for (Path p : ds) {
        if (!Files.isDirectory(p)) {
          out.add(p);
        }
      }
    } catch (IOException e) {
      throw new RegistryConfigurationException("cannot list registries.conf.d directory " + dir
          + ": " + e.getMessage(), e);
    }
    out.sort(null);
    return out;
  }

  /** One file's content before merging; null lists mean "not set". */
  private static final class Partial {
    final TreeMap<String, RegistryEntry> registries = new TreeMap<>();
    List<String> search;
    List<String> helpers;
    String shortNameMode;

    void update(Partial p) {
      registries.putAll(p.registries);
      if (p.search != null) {
        search = p.search;
      }
      if (p.helpers != null) {
        helpers = p.helpers;
      }
      if (p.shortNameMode != null) {
        shortNameMode = p.shortNameMode;
      }
    }
  }

  private static Partial parse(Path file, boolean forceV2)
      throws NoSuchFileException, RegistryConfigurationException {
    JsonNode root;
    try {
      byte[] bytes = Files.readAllBytes(file);
      root = TOML.readTree(bytes);
    } catch (NoSuchFileException e) {
      throw e;
    } catch (IOException e) {
      throw new RegistryConfigurationException("cannot parse registries configuration " + file
          + ": " + firstLine(e.getMessage()), e);
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      return new Partial();
    }
    Iterator<String> names = root.fieldNames();
    while (names.hasNext()) {
      String k = names.next();
      if (!TOP_KEYS.contains(k)) {
        LOG.fine(() -> "ignoring unknown key \"" + k + "\" in " + file);
      }
    }
    JsonNode v1 = root.get("registries");
    boolean hasV1 = v1 != null && v1.isObject();
    boolean hasV2 = root.has("registry") || root.has("unqualified-search-registries")
        || root.has("credential-helpers") || root.has("short-name-mode");
    if (hasV1) {
      if (forceV2) {
        throw new RegistryConfigurationException(file + ": a drop-in must use the v2 format, not"
            + " the v1 [registries.*] tables");
      }
      if (hasV2) {
        throw new RegistryConfigurationException(file + ": mixes the v1 [registries.*] tables"
            + " with v2 settings");
      }
      return parseV1(file, v1);
    }
    Partial p = new Partial();
    p.search = stringList(root, "unqualified-search-registries", file);
    if (p.search != null) {
      List<String> cleaned = new ArrayList<>();
      for (String s : p.search) {
        String loc = location(s, file);
        if (!DOMAIN.matcher(loc).matches()) {
          throw new RegistryConfigurationException(file + ": invalid unqualified-search-registries"
              + " entry \"" + s + "\" (want host[:port])");
        }
        cleaned.add(loc);
      }
      p.search = cleaned;
    }
    p.helpers = stringList(root, "credential-helpers", file);
    JsonNode snm = root.get("short-name-mode");
    if (snm != null) {
      String mode = snm.asText();
      if (!Set.of("disabled", "enforcing", "permissive").contains(mode)) {
        throw new RegistryConfigurationException(file + ": invalid short-name-mode \"" + mode
            + "\" (want disabled, enforcing or permissive)");
      }
      p.shortNameMode = mode;
    }
    JsonNode regs = root.get("registry");
    if (regs != null) {
      if (!regs.isArray()) {
        throw new RegistryConfigurationException(file + ": \"registry\" must be an array of tables"
            + " ([[registry]])");
      }
      List<RegistryEntry> entries = new ArrayList<>();
      int i = 0;
      for (JsonNode r : regs) {
        entries.add(registry(r, file, i++));
      }
      checkConflicts(entries, file);
      for (RegistryEntry e : entries) {
        p.registries.putIfAbsent(e.prefix(), e);
      }
    }
    return p;
  }

  private static RegistryEntry registry(JsonNode r, Path file, int index)
      throws RegistryConfigurationException {
    String where = file + ": [[registry]] #" + (index + 1);
    if (!r.isObject()) {
      throw new RegistryConfigurationException(where + " is not a table");
    }
    String location = location(text(r, "location", ""), file);
    String prefix = text(r, "prefix", "");
    if (prefix.isEmpty()) {
      if (location.isEmpty()) {
        throw new RegistryConfigurationException(where + " has neither location nor prefix");
      }
      prefix = location;
    } else {
      prefix = location(prefix, file);
      if (prefix.startsWith("*.") && (prefix.contains("/") || prefix.contains("@")
          || prefix.contains(":"))) {
        throw new RegistryConfigurationException(where + ": wildcard prefix \"" + prefix
            + "\" must look like *.example.com");
      }
      if (!prefix.startsWith("*.") && location.isEmpty()) {
        throw new RegistryConfigurationException(where + ": location is empty and prefix \""
            + prefix + "\" is not a wildcard (*.example.com)");
      }
    }
    if (r.has("pull-from-mirror")) {
      throw new RegistryConfigurationException(where + ": pull-from-mirror may only be set on a"
          + " mirror, not on registry \"" + prefix + "\"");
    }
    boolean byDigestOnly = bool(r, "mirror-by-digest-only", where);
    List<MirrorEndpoint> mirrors = new ArrayList<>();
    JsonNode ms = r.get("mirror");
    if (ms != null) {
      if (!ms.isArray()) {
        throw new RegistryConfigurationException(where + ": \"mirror\" must be an array of"
            + " tables ([[registry.mirror]])");
      }
      for (JsonNode m : ms) {
        String mloc = location(text(m, "location", ""), file);
        if (mloc.isEmpty()) {
          throw new RegistryConfigurationException(where + ": a mirror has no location");
        }
        String pfm = text(m, "pull-from-mirror", "");
        if (!pfm.isEmpty() && !Set.of("all", "digest-only", "tag-only").contains(pfm)) {
          throw new RegistryConfigurationException(where + ": unsupported pull-from-mirror \""
              + pfm + "\" for mirror " + mloc + " (want all, digest-only or tag-only)");
        }
        if (byDigestOnly && !pfm.isEmpty()) {
          throw new RegistryConfigurationException(where + ": mirror-by-digest-only and a"
              + " per-mirror pull-from-mirror (" + mloc + ") cannot be set together");
        }
        mirrors.add(new MirrorEndpoint(mloc, bool(m, "insecure", where), pfm));
      }
    }
    return new RegistryEntry(prefix, new MirrorEndpoint(location, bool(r, "insecure", where), ""),
        mirrors, bool(r, "blocked", where), byDigestOnly);
  }

  private static void checkConflicts(List<RegistryEntry> entries, Path file)
      throws RegistryConfigurationException {
    Map<String, RegistryEntry> byLocation = new LinkedHashMap<>();
    for (RegistryEntry e : entries) {
      String key = e.endpoint().location().isEmpty() ? e.prefix() : e.endpoint().location();
      RegistryEntry other = byLocation.putIfAbsent(key, e);
      if (other != null) {
        if (other.endpoint().insecure() != e.endpoint().insecure()) {
          throw new RegistryConfigurationException(file + ": registry \"" + key
              + "\" is defined several times with conflicting 'insecure' settings");
        }
        if (other.blocked() != e.blocked()) {
          throw new RegistryConfigurationException(file + ": registry \"" + key
              + "\" is defined several times with conflicting 'blocked' settings");
        }
      }
    }
  }

  private static Partial parseV1(Path file, JsonNode v1) throws RegistryConfigurationException {
    Partial p = new Partial();
    Map<String, boolean[]> flags = new LinkedHashMap<>();
    List<String> blocked = stringList(v1.path("block"), "registries", file);
    List<String> insecure = stringList(v1.path("insecure"), "registries", file);
    for (String b : blocked == null ? List.<String>of() : blocked) {
      flags.computeIfAbsent(location(b, file), k -> new boolean[2])[0] = true;
    }
    for (String s : insecure == null ? List.<String>of() : insecure) {
      flags.computeIfAbsent(location(s, file), k -> new boolean[2])[1] = true;
    }
    flags.forEach((loc, f) -> p.registries.put(loc,
        new RegistryEntry(loc, new MirrorEndpoint(loc, f[1], ""), List.of(), f[0], false)));
    List<String> search = stringList(v1.path("search"), "registries", file);
    if (search != null) {
      p.search = search;
    }
    return p;
  }

  /** Trims trailing slashes and rejects URL schemes, as containers/image does. */
  private static String location(String s, Path file) throws RegistryConfigurationException {
    String t = s;
    while (t.endsWith("/")) {
      t = t.substring(0, t.length() - 1);
    }
    if (t.startsWith("http://") || t.startsWith("https://")) {
      throw new RegistryConfigurationException(file + ": invalid location \"" + s
          + "\": URI schemes are not supported (write host[:port][/namespace])");
    }
    return t;
  }

  private static List<String> stringList(JsonNode parent, String key, Path file)
      throws RegistryConfigurationException {
    JsonNode n = parent.get(key);
    if (n == null || n.isMissingNode()) {
      return null;
    }
    if (!n.isArray()) {
      throw new RegistryConfigurationException(file + ": \"" + key + "\" must be an array of"
          + " strings");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode e : n) {
      if (!e.isTextual()) {
        throw new RegistryConfigurationException(file + ": \"" + key + "\" must contain only"
            + " strings");
      }
      out.add(e.asText());
    }
    return out;
  }

  private static String text(JsonNode n, String key, String dflt) {
    JsonNode v = n.get(key);
    return v == null || v.isNull() ? dflt : v.asText();
  }

  private static boolean bool(JsonNode n, String key, String where)
      throws RegistryConfigurationException {
    JsonNode v = n.get(key);
    if (v == null) {
      return false;
    }
    if (!v.isBoolean()) {
      throw new RegistryConfigurationException(where + ": \"" + key + "\" must be true or false");
    }
    return v.asBoolean();
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
