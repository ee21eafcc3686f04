package org.stargzstore.daemon.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Function;
import org.stargzstore.daemon.logging.LogFormat;
import org.stargzstore.estargz.layer.LayerFormat;
import org.stargzstore.estargz.layer.TocLimits;
import org.stargzstore.fs.als.LayerStoreConfig;
import org.stargzstore.fs.fetch.FetchPolicy;
import org.stargzstore.fs.fuse.MountOptions;
import org.stargzstore.fs.fuse.kernel.DescriptorKeeper;
import org.stargzstore.fs.fuse.kernel.handover.DescriptorKeeperMode;
import org.stargzstore.fs.fuse.kernel.handover.DescriptorKeepers;
import org.stargzstore.registry.RangeIgnoredByMirror;

/**
 * The daemon's configuration: {@code /etc/stargz-registry-storage/config.toml} by default, every
 * key optional (docs/configuration.md lists them). Unknown keys are an error, so a typo is not
 * silently ignored.
 */
public record DaemonConfig(
    Path root,
    long cacheMaxBytes,
    boolean fsync,
    Duration gcInterval,
    Duration releaseGrace,
    long memoryCacheBytes,
    long streamAboveBytes,
    boolean prefetch,
    boolean background,
    long readAheadBytes,
    long mergeGapBytes,
    long backgroundRequestBytes,
    long backgroundInflightBytes,
    boolean yieldToDemand,
    long smallFileBytes,
    long nearbyBytes,
    long prefixWithTocBytes,
    Duration backgroundQuiet,
    boolean prefetchEntrypoint,
    int maxDemandRequests,
    int maxBackgroundStreams,
    Duration readTimeout,
    Duration resolveTimeout,
    boolean allowOther,
    Duration fuseCacheTimeout,
    boolean fuseDebug,
    MountOptions.Backend fuseBackend,
    DescriptorKeeperMode descriptorKeeper,
    Path holderSocket,
    boolean fuseTakeover,
    Path registriesConf,
    Path registriesConfDir,
    Path certsDir,
    Path authFile,
    String platform,
    RangeIgnoredByMirror rangeIgnoredByMirror,
    Path controlSocket,
    boolean registryWarmup,
    ListenAddress metricsAddress,
    LogFormat logFormat,
    ProfilesConfig profiles,
    int maxTocEntries) {

  public static final Path DEFAULT_PATH = Path.of("/etc/stargz-registry-storage/config.toml");
  public static final Path DEFAULT_ROOT = Path.of("/var/lib/stargz-registry-storage");

  private static final Map<String, Set<String>> KEYS = Map.of(
      "store", Set.of("root", "max_bytes", "fsync", "gc_interval", "release_grace"),
      "fetch", Set.of("prefetch", "background", "read_ahead", "merge_gap", "background_request",
          "background_inflight", "yield_to_demand", "small_files_first", "nearby_files",
          "prefix_with_toc", "background_quiet", "prefetch_entrypoint", "max_demand_requests",
          "max_background_streams", "memory_cache", "stream_above", "read_timeout",
          "resolve_timeout", "use_access_profiles", "max_toc_entries"),
      "profiles", Set.of("quiet", "publish", "fetch"),
      "fuse", Set.of("allow_other", "cache_timeout", "debug", "backend", "takeover",
          "descriptor_keeper", "holder_socket"),
      "registry", Set.of("registries_conf", "registries_conf_dir", "certs_dir", "auth_file",
          "platform", "range_ignored_by_mirror"),
      "daemon", Set.of("control_socket", "registry_warmup"),
      "metrics", Set.of("address"),
      "log", Set.of("format"));

  /** The defaults, as documented. */
  public static DaemonConfig defaults() {
    return fromTree(null, "defaults");
  }

  /**
   * Reads {@code file}; a missing file means defaults only when {@code required} is false (the
   * default path may be absent, a path the user named must exist).
   */
  public static DaemonConfig load(Path file, boolean required) throws IOException {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      if (required) {
        throw new IOException("config file " + file + " does not exist");
      }
      return defaults();
    } catch (java.nio.charset.CharacterCodingException e) {
      throw new IOException("config file " + file + " is not valid UTF-8 (TOML files are UTF-8)");
    } catch (java.nio.file.AccessDeniedException e) {
      throw new IOException("cannot read config file " + file + ": permission denied");
    } catch (IOException e) {
      throw new IOException("cannot read config file " + file + ": "
          + (Files.isDirectory(file) ? "it is a directory" : e.getMessage()), e);
    }
    JsonNode tree;
    try {
      tree = new TomlMapper().readTree(text);
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      throw new IOException("config file " + file + position(e) + ": not valid TOML: "
          + e.getOriginalMessage());
    }
    try {
      return fromTree(tree, file.toString());
    } catch (ConfigKeyException e) {
      OptionalInt line = TomlLines.of(text).line(e.section(), e.key());
      throw new IOException("config file " + file
          + (line.isPresent() ? ", line " + line.getAsInt() : "") + ": " + e.getMessage());
    } catch (IllegalArgumentException e) {
      throw new IOException("config file " + file + ": " + e.getMessage());
    }
  }

  private static String position(com.fasterxml.jackson.core.JacksonException e) {
    com.fasterxml.jackson.core.JsonLocation at = e.getLocation();
    if (at == null || at.getLineNr() <= 0) {
      return "";
    }
    return ", line " + at.getLineNr()
        + (at.getColumnNr() > 0 ? ", column " + at.getColumnNr() : "");
  }

  private static DaemonConfig fromTree(JsonNode tree, String source) {
    if (tree != null) {
      checkKeys(tree);
    }
    Section store = new Section(tree, "store");
    Section fetch = new Section(tree, "fetch");
    Section fuse = new Section(tree, "fuse");
    Section reg = new Section(tree, "registry");
    Section daemon = new Section(tree, "daemon");
    Section metrics = new Section(tree, "metrics");
    Section log = new Section(tree, "log");
    Section profiles = new Section(tree, "profiles");
    Path root = Path.of(store.string("root", DEFAULT_ROOT.toString()));
    MountOptions.Backend backend = fuse.get("backend",
        MountOptions.Backend.DEFAULT.configName(), MountOptions.Backend::parse);
    return new DaemonConfig(
        root,
        store.size("max_bytes", "20GiB"),
        store.bool("fsync", true),
        store.duration("gc_interval", "5m"),
        store.duration("release_grace", "10m"),
        fetch.size("memory_cache", "256MiB"),
        positive(fetch.size("stream_above", "4MiB"), "[fetch] stream_above"),
        fetch.bool("prefetch", true),
        fetch.bool("background", true),
        fetch.size("read_ahead", "128KiB"),
        fetch.size("merge_gap", "64KiB"),
        fetch.size("background_request", "256KiB"),
        fetch.size("background_inflight", "1536KiB"),
        fetch.bool("yield_to_demand", false),
        fetch.size("small_files_first", "64KiB"),
        fetch.size("nearby_files", "4MiB"),
        fetch.size("prefix_with_toc", "64MiB"),
        fetch.duration("background_quiet", "1s"),
        fetch.bool("prefetch_entrypoint", true),
        fetch.integer("max_demand_requests", 32),
        fetch.integer("max_background_streams", 4),
        fetch.duration("read_timeout", "2m"),
        fetch.duration("resolve_timeout", "30s"),
        fuse.bool("allow_other", false),
        fuse.duration("cache_timeout", "60s"),
        fuse.bool("debug", false),
        backend,
        fuse.get("descriptor_keeper", "auto", DescriptorKeeperMode::parse),
        fuse.has("holder_socket") ? Path.of(fuse.string("holder_socket", ""))
            : DescriptorKeepers.DEFAULT_HOLDER_SOCKET,
        takeover(fuse, backend),
        reg.has("registries_conf") ? Path.of(reg.string("registries_conf", "")) : null,
        reg.has("registries_conf_dir") ? Path.of(reg.string("registries_conf_dir", "")) : null,
        reg.has("certs_dir") ? Path.of(reg.string("certs_dir", "")) : null,
        reg.has("auth_file") ? Path.of(reg.string("auth_file", "")) : null,
        reg.string("platform", ""),
        reg.get("range_ignored_by_mirror", "wait-for-cache", RangeIgnoredByMirror::parse),
        daemon.has("control_socket") ? Path.of(daemon.string("control_socket", "")) : null,
        daemon.bool("registry_warmup", true),
        metrics.has("address") ? metrics.get("address", "", ListenAddress::parse) : null,
        log.get("format", "text", LogFormat::parse),
        new ProfilesConfig(fetch.bool("use_access_profiles", true),
            profiles.duration("quiet", "10s"),
            profiles.bool("publish", false), profiles.bool("fetch", true)),
        fetch.integer("max_toc_entries", DEFAULT_MAX_TOC_ENTRIES));
  }

  /**
   * {@code [fuse] takeover}: off unless asked for (a restart then keeps the mount when a
   * descriptor keeper is there, docs/fuse.md "Takeover"; still experimental); the libfuse
   * backend cannot, so asking for it there is an error.
   */
  private static boolean takeover(Section fuse, MountOptions.Backend backend) {
    boolean kernel = backend == MountOptions.Backend.KERNEL;
    boolean on = fuse.bool("takeover", false);
    if (on && !kernel) {
      throw new ConfigKeyException("fuse", "takeover", "[fuse] takeover = true needs "
          + "backend = \"kernel\": libfuse's node ids and file handles die with the process "
          + "(docs/fuse.md)");
    }
    return on;
  }

  private static void checkKeys(JsonNode tree) {
    Iterator<String> sections = tree.fieldNames();
    while (sections.hasNext()) {
      String s = sections.next();
      Set<String> allowed = KEYS.get(s);
      if (allowed == null) {
        throw new ConfigKeyException(s, null, "unknown section [" + s + "] (known: "
            + String.join(", ", new java.util.TreeSet<>(KEYS.keySet())) + ")");
      }
      JsonNode sec = tree.get(s);
      if (!sec.isObject()) {
        throw new ConfigKeyException(s, null, "[" + s + "] must be a table, found "
            + Section.found(sec));
      }
      Iterator<String> keys = sec.fieldNames();
      while (keys.hasNext()) {
        String k = keys.next();
        if (!allowed.contains(k)) {
          throw new ConfigKeyException(s, k, "unknown key '" + k + "' in [" + s + "] (known: "
              + String.join(", ", new java.util.TreeSet<>(allowed)) + ")");
        }
      }
    }
  }

  /** The same configuration with another store root ({@code --root}). */
  public DaemonConfig withRoot(Path newRoot) {
    return new DaemonConfig(newRoot, cacheMaxBytes, fsync, gcInterval, releaseGrace,
        memoryCacheBytes, streamAboveBytes, prefetch, background, readAheadBytes, mergeGapBytes,
        backgroundRequestBytes, backgroundInflightBytes, yieldToDemand, smallFileBytes,
        nearbyBytes, prefixWithTocBytes, backgroundQuiet, prefetchEntrypoint, maxDemandRequests,
        maxBackgroundStreams,
        readTimeout, resolveTimeout, allowOther, fuseCacheTimeout, fuseDebug, fuseBackend,
        descriptorKeeper, holderSocket, fuseTakeover, registriesConf, registriesConfDir,
        certsDir, authFile, platform, rangeIgnoredByMirror, controlSocket, registryWarmup,
        metricsAddress, logFormat, profiles, maxTocEntries);
  }

  /** The FUSE mount options of {@code [fuse]}. */
  public MountOptions mountOptions() {
    return new MountOptions(allowOther, fuseCacheTimeout, fuseDebug, fuseBackend);
  }

  /**
   * Where the kernel backend keeps its /dev/fuse descriptor across a restart ({@code [fuse]
   * descriptor_keeper}, {@code holder_socket}); fails with what to do if the chosen keeper is not
   * there.
   */
  public DescriptorKeeper descriptorKeeperForThisProcess() throws IOException {
    return DescriptorKeepers.fromConfig(descriptorKeeper, holderSocket);
  }

  /** Where the control socket is: configured, or {@code ROOT/control.sock}. */
  public Path controlSocketPath() {
    return controlSocket != null ? controlSocket : root.resolve("control.sock");
  }

  /** Heap the JVM needs beyond what this configuration bounds (code, FUSE, buffers). */
  public static final long HEAP_BASELINE = 96L << 20;

  /**
   * Default {@code [fetch] max_toc_entries}: a TOC at containers/storage's 150 MiB cap made of
   * ordinary file entries (about 330 bytes of JSON each) is served; one made of the smallest
   * entries (several million) is refused.
   */
  public static final int DEFAULT_MAX_TOC_ENTRIES = 500_000;

  /**
   * Peak heap per TOC entry while a layer's TOC is parsed and indexed, beyond the TOC's bytes:
   * the parsed entry, the indexer's bookkeeping and the index at once (about 460 + 270 + 400
   * bytes for a file; docs/benchmarks.md, "Memory per TOC entry").
   */
  public static final long PEAK_BYTES_PER_TOC_ENTRY = 1200;

  /**
   * Heap for loading one TOC: its compressed and uncompressed bytes (each at most the 150 MiB
   * cap) and {@code max_toc_entries} entries.
   */
  public long tocLoadBytes() {
    return 2 * LayerFormat.DEFAULT_MAX_TOC_SIZE + (long) maxTocEntries * PEAK_BYTES_PER_TOC_ENTRY;
  }

  /**
   * The heap this configuration may use at most for fetched content, plus a baseline: the
   * memory cache, the writes queued for the store (a quarter of it), and per concurrent fetch
   * (on demand and background) one unit in memory: up to about 3 x {@code stream_above}
   * (compressed bytes, decoded bytes, the chunk cut out of them); and the load of one TOC of
   * {@code max_toc_entries} entries ({@link #tocLoadBytes()}). The indexes of layers already
   * loaded come on top (see docs/configuration.md). What {@code -Xmx} should be at least.
   */
  public long heapBudgetBytes() {
    long fetches = (long) maxDemandRequests + maxBackgroundStreams;
    return memoryCacheBytes + memoryCacheBytes / 4 + fetches * 3 * streamAboveBytes
        + backgroundInflightBytes + tocLoadBytes() + HEAP_BASELINE;
  }

  /** The TOC limits the layer opener applies: the 150 MiB cap and {@code max_toc_entries}. */
  public TocLimits tocLimits() {
    return new TocLimits(LayerFormat.DEFAULT_MAX_TOC_SIZE, maxTocEntries);
  }


  private static long positive(long v, String key) {
    if (v <= 0) {
      throw new IllegalArgumentException(key + " must be more than 0 bytes");
    }
    return v;
  }

  public FetchPolicy fetchPolicy() {
    return new FetchPolicy(readAheadBytes, mergeGapBytes, backgroundRequestBytes, prefetch,
        background, yieldToDemand, smallFileBytes, nearbyBytes, prefixWithTocBytes);
  }

  public LayerStoreConfig layerStoreConfig() {
    return new LayerStoreConfig(resolveTimeout, readTimeout, fetchPolicy(), releaseGrace,
        Duration.ofSeconds(5), prefetchEntrypoint, profiles.settings());
  }

  /** Typed access to one TOML table, with defaults and messages that name the key. */
  private static final class Section {
    private final JsonNode node;
    private final String name;

    Section(JsonNode tree, String name) {
      this.node = tree == null ? null : tree.get(name);
      this.name = name;
    }

    boolean has(String key) {
      return node != null && node.has(key);
    }

    <T> T get(String key, String dflt, Function<String, T> parse) {
      JsonNode v = has(key) ? node.get(key) : null;
      if (v != null && !v.isValueNode()) {
        throw error(key, "a value", v);
      }
      String raw = v != null ? v.asText() : dflt;
      try {
        return parse.apply(raw);
      } catch (IllegalArgumentException e) {
        throw new ConfigKeyException(name, key, "[" + name + "] " + key + ": " + e.getMessage());
      }
    }

    String string(String key, String dflt) {
      if (has(key) && !node.get(key).isTextual()) {
        throw error(key, "a string", node.get(key));
      }
      return get(key, dflt, s -> s);
    }

    long size(String key, String dflt) {
      if (has(key) && !(node.get(key).isTextual() || node.get(key).isIntegralNumber())) {
        throw error(key, "a size (bytes as an integer, or a string such as \"512MiB\")",
            node.get(key));
      }
      return get(key, dflt, ByteSize::parse);
    }

    Duration duration(String key, String dflt) {
      if (has(key) && !node.get(key).isTextual()) {
        throw error(key, "a duration string such as \"30s\" or \"10m\"", node.get(key));
      }
      return get(key, dflt, Durations::parse);
    }

    boolean bool(String key, boolean dflt) {
      if (!has(key)) {
        return dflt;
      }
      if (!node.get(key).isBoolean()) {
        throw error(key, "true or false", node.get(key));
      }
      return node.get(key).asBoolean();
    }

    int integer(String key, int dflt) {
      if (!has(key)) {
        return dflt;
      }
      JsonNode v = node.get(key);
      if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() <= 0) {
        throw error(key, "a positive integer", v);
      }
      return v.asInt();
    }

    private ConfigKeyException error(String key, String expected, JsonNode found) {
      return new ConfigKeyException(name, key, "[" + name + "] " + key + ": expected " + expected
          + ", found " + found(found));
    }

    /** What the file holds, as the operator wrote it: {@code 3.7 (a float)}. */
    static String found(JsonNode v) {
      if (v.isTextual()) {
        return "\"" + v.asText() + "\" (a string)";
      }
      if (v.isFloatingPointNumber() || v.isBigDecimal()) {
        return v.asText() + " (a float)";
      }
      if (v.isIntegralNumber()) {
        return v.asText() + " (an integer)";
      }
      if (v.isBoolean()) {
        return v.asText() + " (a boolean)";
      }
      if (v.isArray()) {
        return "an array";
      }
      if (v.isObject()) {
        return "a table";
      }
      return v.asText();
    }
  }
}
