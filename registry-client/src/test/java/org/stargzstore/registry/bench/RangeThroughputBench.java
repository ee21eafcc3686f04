package org.stargzstore.registry.bench;

import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.stargzstore.registry.BlobContent;
import org.stargzstore.registry.ImageReference;
import org.stargzstore.registry.PushOptions;
import org.stargzstore.registry.RegistryBlob;
import org.stargzstore.registry.RegistryClient;
import org.stargzstore.registry.RegistryClientConfig;
import org.stargzstore.testkit.RegistryServer;
import org.stargzstore.testkit.TempDirs;
import org.stargzstore.types.Digest;

/**
 * Range-read throughput from a local docker-registry, against a baseline measured in the same
 * run: one plain whole-blob GET (JDK HttpURLConnection, body discarded) versus N concurrent
 * readers fetching the blob in fixed-size ranges through {@link RegistryBlob#readFully}, and the
 * same readers with the plain JDK client (one request per range, no coalescing). Rounds
 * interleave every variant after a warm-up; medians, ratios and client CPU are printed.
 *
 * <p>Arguments: {@code [sizeMiB=200] [readers=8] [rangeKiB=1024] [rounds=7]
 * [blobRequestConcurrency,...=client default] [readAheadMiB,...=client default]}: several
 * settings are compared in the same interleaved rounds. Run through
 * {@code bench/range-throughput.sh}.
 */
public final class RangeThroughputBench {
  private RangeThroughputBench() {}

  public static void main(String[] args) throws Exception {
    int sizeMiB = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    int readers = args.length > 1 ? Integer.parseInt(args[1]) : 8;
    int rangeKiB = args.length > 2 ? Integer.parseInt(args[2]) : 1024;
    int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 7;
    RegistryClientConfig defaults = RegistryClientConfig.builder().build();
    List<Integer> concurrencies = new ArrayList<>();
    for (String c : (args.length > 4 ? args[4]
        : String.valueOf(defaults.blobRequestConcurrency())).split(",")) {
      concurrencies.add(Integer.parseInt(c.trim()));
    }
    List<Long> readAheads = new ArrayList<>();
    for (String r : (args.length > 5 ? args[5]
        : String.valueOf(defaults.readAhead() >> 20)).split(",")) {
      readAheads.add(Long.parseLong(r.trim()) << 20);
    }
    if (readAheads.size() > 1 && concurrencies.size() == 1) {
      while (concurrencies.size() < readAheads.size()) {
        concurrencies.add(concurrencies.get(0));
      }
    }
    while (readAheads.size() < concurrencies.size()) {
      readAheads.add(readAheads.get(0));
    }
    Path dir = Files.createTempDirectory("srs-bench-");
    RegistryServer registry = RegistryServer.builder().build();
    List<RegistryClient> clients = new ArrayList<>();
    try {
      registry.start();
      Path blobFile = dir.resolve("blob");
      writeRandom(blobFile, (long) sizeMiB << 20);
      Path conf = dir.resolve("registries.conf");
      Files.writeString(conf, "[[registry]]\nlocation = \"" + registry.hostPort()
          + "\"\ninsecure = true\n");
      ImageReference repo = ImageReference.parse(registry.hostPort() + "/bench/blob:1");
      BlobContent content = BlobContent.ofFile(blobFile);
      List<RegistryBlob> blobs = new ArrayList<>();
      for (int k = 0; k < concurrencies.size(); k++) {
        RegistryClient client = RegistryClient.create(RegistryClientConfig.builder()
            .registriesConf(conf, true).blobRequestConcurrency(concurrencies.get(k))
            .readAhead(readAheads.get(k)).build());
        clients.add(client);
        client.pushBlob(repo, content, PushOptions.monolithic());
        blobs.add(client.blob(repo, content.digest(), content.size()));
      }
      URI wholeUrl = registry.baseUri().resolve("/v2/bench/blob/blobs/" + content.digest());
      long size = content.size();
      int range = rangeKiB << 10;

      check(blobs.get(0), blobFile, range);
      // warm-up: every path once
      baseline(wholeUrl, size);
      for (RegistryBlob b : blobs) {
        ranges(b, size, range, readers);
      }

      plainRanges(wholeUrl, size, range, readers);
      List<Double> base = new ArrayList<>();
      List<Double> plain = new ArrayList<>();
      List<List<Double>> ours = new ArrayList<>();
      List<List<Double>> ratios = new ArrayList<>();
      long baseCpu = 0;
      long[] oursCpu = new long[blobs.size()];
      long baseRegCpu = 0;
      long[] oursRegCpu = new long[blobs.size()];
      long[] oursRequests = new long[blobs.size()];
      long[] oursReceived = new long[blobs.size()];
      Path regConfig = registry.workDir().resolve("config.yml");
      for (int i = 0; i < blobs.size(); i++) {
        ours.add(new ArrayList<>());
        ratios.add(new ArrayList<>());
      }
      for (int r = 0; r < rounds; r++) {
        long c0 = cpuNanos();
        long g0 = registryCpuNanos(regConfig);
        double b = baseline(wholeUrl, size);
        baseCpu += cpuNanos() - c0;
        baseRegCpu += registryCpuNanos(regConfig) - g0;
        base.add(b);
        double pl = plainRanges(wholeUrl, size, range, readers);
        plain.add(pl);
        StringBuilder line = new StringBuilder(String.format(
            "round %d: whole GET %.0f MiB/s, plain-client ranges %.0f MiB/s = %.2f", r + 1, b,
            pl, pl / b));
        for (int i = 0; i < blobs.size(); i++) {
          long c1 = cpuNanos();
          long g1 = registryCpuNanos(regConfig);
          long q1 = clients.get(i).stats().requests();
          long r1 = clients.get(i).stats().bytesReceived();
          double o = ranges(blobs.get(i), size, range, readers);
          oursRequests[i] += clients.get(i).stats().requests() - q1;
          oursReceived[i] += clients.get(i).stats().bytesReceived() - r1;
          oursCpu[i] += cpuNanos() - c1;
          oursRegCpu[i] += registryCpuNanos(regConfig) - g1;
          ours.get(i).add(o);
          ratios.get(i).add(o / b);
          line.append(String.format(", ranges (concurrency %d, read-ahead %d MiB) %.0f MiB/s"
              + " = %.2f", concurrencies.get(i), readAheads.get(i) >> 20, o, o / b));
        }
        System.out.println(line);
      }
      double gib = rounds * (double) size / (1L << 30);
      System.out.printf("%nblob %d MiB, %d readers, %d KiB ranges, %d rounds, %d CPUs%n",
          sizeMiB, readers, rangeKiB, rounds, Runtime.getRuntime().availableProcessors());
      System.out.printf("whole-blob GET: median %.0f MiB/s, client CPU %.2f s/GiB,"
          + " registry CPU %.2f s/GiB%n", median(base), baseCpu / 1e9 / gib,
          baseRegCpu / 1e9 / gib);
      System.out.printf("ranges, plain JDK client (one request per range): median %.0f MiB/s,"
          + " ratio of medians %.2f%n", median(plain), median(plain) / median(base));
      for (int i = 0; i < blobs.size(); i++) {
        System.out.printf("ranges, blobRequestConcurrency %d, readAhead %d MiB: median %.0f MiB/s,"
            + " client CPU %.2f"
            + " s/GiB, registry CPU %.2f s/GiB, %.1f requests and %.2f times the blob's bytes received per round, ratio of medians %.2f,"
            + " median of per-round ratios %.2f%n",
            concurrencies.get(i), readAheads.get(i) >> 20, median(ours.get(i)),
            oursCpu[i] / 1e9 / gib,
            oursRegCpu[i] / 1e9 / gib, oursRequests[i] / (double) rounds,
            oursReceived[i] / (double) rounds / size,
            median(ours.get(i)) / median(base), median(ratios.get(i)));
      }
    } finally {
      for (RegistryClient c : clients) {
        c.close();
      }
      registry.stop();
      TempDirs.deleteRecursively(dir);
    }
  }

  /** One GET of the whole blob, body read and discarded; MiB/s. */
  static double baseline(URI url, long size) throws Exception {
    long start = System.nanoTime();
    HttpURLConnection c = (HttpURLConnection) url.toURL().openConnection();
    long n = 0;
    try (InputStream in = c.getInputStream()) {
      byte[] buf = new byte[1 << 16];
      int k;
      while ((k = in.read(buf)) >= 0) {
        n += k;
      }
    } finally {
      c.disconnect();
    }
    if (n != size) {
      throw new IllegalStateException("baseline read " + n + " of " + size + " bytes");
    }
    return mibPerSecond(size, System.nanoTime() - start);
  }

  /** Reads {@code [offset, offset+length)} into {@code buf}; returns the bytes read. */
  interface RangeRead {
    int read(long offset, int length, byte[] buf) throws Exception;
  }

  /**
   * The same range workload with the JDK's HttpURLConnection, one request per range: what a
   * client without coalescing gets from this registry.
   */
  static double plainRanges(URI url, long size, int range, int readers) throws Exception {
    return concurrentRanges("plain ranges", size, range, readers, (off, len, buf) -> {
      HttpURLConnection c = (HttpURLConnection) url.toURL().openConnection();
      c.setRequestProperty("Range", "bytes=" + off + "-" + (off + len - 1));
      try (InputStream in = c.getInputStream()) {
        int k = 0;
        int n;
        while (k < len && (n = in.read(buf, k, len - k)) > 0) {
          k += n;
        }
        return k;
      }
    });
  }

  /** The whole blob as consecutive ranges through {@link RegistryBlob#readFully}; MiB/s. */
  static double ranges(RegistryBlob blob, long size, int range, int readers) throws Exception {
    return concurrentRanges("ranges", size, range, readers, (off, len, buf) -> {
      blob.readFully(off, buf, 0, len, Duration.ofMinutes(2));
      return len;
    });
  }

  /**
   * The whole blob as consecutive ranges handed out to {@code readers} threads, each read by
   * {@code read}; MiB/s. Like the baseline, each reader reuses its buffer (a consumer
   * decompresses, then discards): the bench measures transfer, not allocation.
   */
  static double concurrentRanges(String what, long size, int range, int readers, RangeRead read)
      throws Exception {
    int count = (int) ((size + range - 1) / range);
    AtomicInteger next = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(readers);
    long start = System.nanoTime();
    try {
      List<Future<Long>> fs = new ArrayList<>();
      for (int t = 0; t < readers; t++) {
        fs.add(pool.submit(() -> {
          byte[] buf = new byte[range];
          long got = 0;
          int i;
          while ((i = next.getAndIncrement()) < count) {
            long off = (long) i * range;
            got += read.read(off, (int) Math.min(range, size - off), buf);
          }
          return got;
        }));
      }
      long total = 0;
      for (Future<Long> f : fs) {
        total += f.get();
      }
      if (total != size) {
        throw new IllegalStateException(what + " read " + total + " of " + size + " bytes");
      }
    } finally {
      pool.shutdownNow();
    }
    return mibPerSecond(size, System.nanoTime() - start);
  }

  /** A few ranges compared with the local file: the bench measures correct reads. */
  static void check(RegistryBlob blob, Path file, int range) throws Exception {
    byte[] all = Files.readAllBytes(file);
    Random r = new Random(1);
    for (int i = 0; i < 8; i++) {
      long off = (long) r.nextInt(all.length - range);
      if (!Arrays.equals(Arrays.copyOfRange(all, (int) off, (int) off + range),
          blob.read(off, range))) {
        throw new IllegalStateException("range at " + off + " differs from the file");
      }
    }
    if (!Digest.of(all).equals(blob.digest())) {
      throw new IllegalStateException("digest");
    }
  }

  static void writeRandom(Path f, long size) throws Exception {
    Random r = new Random(7);
    byte[] buf = new byte[1 << 20];
    try (var out = Files.newOutputStream(f, StandardOpenOption.CREATE_NEW)) {
      for (long n = 0; n < size; n += buf.length) {
        r.nextBytes(buf);
        out.write(buf, 0, (int) Math.min(buf.length, size - n));
      }
    }
  }

  /** CPU time of this JVM (all threads), from the platform MXBean. */
  static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
        java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  /** CPU time (user + system) of the docker-registry serving {@code config}, from /proc. */
  static long registryCpuNanos(Path config) throws Exception {
    String needle = config.toString();
    try (var dirs = Files.list(Path.of("/proc"))) {
      for (Path d : (Iterable<Path>) dirs::iterator) {
        if (!d.getFileName().toString().matches("\\d+")) {
          continue;
        }
        try {
          String cmd = new String(Files.readAllBytes(d.resolve("cmdline"))).replace('\0', ' ');
          if (cmd.contains("serve") && cmd.contains(needle)) {
            String stat = Files.readString(d.resolve("stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            return ticks * 10_000_000L; // USER_HZ = 100
          }
        } catch (java.io.IOException e) {
          // the process went away
        }
      }
    }
    return 0;
  }

  static double mibPerSecond(long bytes, long nanos) {
    return bytes / (1024.0 * 1024.0) / (nanos / 1e9);
  }

  static double median(List<Double> xs) {
    List<Double> s = new ArrayList<>(xs);
    s.sort(null);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }
}
