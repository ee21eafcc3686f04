package org.stargzstore.registry;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * An OCI platform ({@code os}, {@code architecture}, optional {@code variant}): which manifest of
 * a multi-platform image index this node runs. The default is the node's own, named in Go's
 * terms as registries spell them ({@code amd64}, {@code arm64}, ...).
 *
 * @param variant the CPU variant ({@code v8}, {@code v7}), or empty
 */
public record Platform(String os, String architecture, String variant) {

  public Platform {
    Objects.requireNonNull(os, "os");
    Objects.requireNonNull(architecture, "architecture");
    variant = variant == null ? "" : variant;
  }

  /** Parses {@code os/arch[/variant]}, e.g. {@code linux/arm64/v8}. */
  public static Platform parse(String s) {
    String[] p = s.split("/");
    if (p.length < 2 || p.length > 3 || p[0].isEmpty() || p[1].isEmpty()) {
      throw new IllegalArgumentException("not a platform (want OS/ARCH[/VARIANT]): " + s);
    }
    return new Platform(p[0], p[1], p.length == 3 ? p[2] : "");
  }

  /** This node: {@code linux} and the JVM's architecture in Go's naming. */
  public static Platform current() {
    String os = System.getProperty("os.name", "linux").toLowerCase(Locale.ROOT);
    String goOs = os.contains("linux") ? "linux" : os.contains("mac") ? "darwin" : os;
    String arch = System.getProperty("os.arch", "amd64").toLowerCase(Locale.ROOT);
    return switch (arch) {
      case "amd64", "x86_64" -> new Platform(goOs, "amd64", "");
      case "aarch64", "arm64" -> new Platform(goOs, "arm64", "v8");
      case "arm", "armv7l" -> new Platform(goOs, "arm", "v7");
      case "x86", "i386", "i686" -> new Platform(goOs, "386", "");
      case "ppc64le" -> new Platform(goOs, "ppc64le", "");
      case "s390x" -> new Platform(goOs, "s390x", "");
      case "riscv64" -> new Platform(goOs, "riscv64", "");
      default -> new Platform(goOs, arch, "");
    };
  }

  /**
   * The variants this platform accepts, best first: a node runs its own variant, then older
   * ones of the same architecture, then an image that names no variant (as containers/image's
   * platform matcher does).
   */
  public List<String> acceptedVariants() {
    if (architecture.equals("arm64")) {
      return List.of("v8", "");
    }
    if (architecture.equals("arm")) {
      return switch (variant) {
        case "v8" -> List.of("v8", "v7", "v6", "v5", "");
        case "v6" -> List.of("v6", "v5", "");
        case "v5" -> List.of("v5", "");
        default -> List.of("v7", "v6", "v5", "");
      };
    }
    return variant.isEmpty() ? List.of("") : List.of(variant, "");
  }

  @Override
  public String toString() {
    return os + "/" + architecture + (variant.isEmpty() ? "" : "/" + variant);
  }
}
