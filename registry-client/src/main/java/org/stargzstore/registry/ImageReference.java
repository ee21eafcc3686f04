package org.stargzstore.registry;

import java.util.Objects;
import java.util.regex.Pattern;
import org.stargzstore.types.Digest;

/**
 * A fully qualified image reference, normalised exactly as containers/image (podman, CRI-O) does
 * it: {@code busybox} is {@code docker.io/library/busybox:latest}, {@code index.docker.io} is
 * {@code docker.io}, a first component with a dot, a colon or {@code localhost} is a registry
 * host, a reference with neither tag nor digest gets {@code :latest}.
 *
 * <p>A reference may carry both a tag and a digest; the digest then decides what is pulled (as
 * podman does), the tag is kept for display.
 *
 * @param registry the registry host as written ({@code docker.io}, {@code localhost:5000})
 * @param repository the repository path ({@code library/busybox})
 * @param tag the tag, or null
 * @param digest the manifest digest, or null
 */
public record ImageReference(String registry, String repository, String tag, Digest digest) {
  /** The host users write for Docker Hub. */
  public static final String DOCKER_HUB = "docker.io";
  /** The host Docker Hub's API actually answers on. */
  public static final String DOCKER_HUB_API = "registry-1.docker.io";
  private static final String LEGACY_DOCKER_HUB = "index.docker.io";
  private static final int NAME_MAX = 255;

  private static final String DOMAIN_COMPONENT =
      "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
  private static final Pattern DOMAIN =
      Pattern.compile(DOMAIN_COMPONENT + "(?:\\." + DOMAIN_COMPONENT + ")*(?::[0-9]+)?");
  private static final String PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*";
  private static final Pattern PATH =
      Pattern.compile(PATH_COMPONENT + "(?:/" + PATH_COMPONENT + ")*");
  private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");
  private static final Pattern DIGEST = Pattern.compile(
      "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}");
  private static final Pattern HEX64 = Pattern.compile("[a-f0-9]{64}");

  public ImageReference {
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(repository, "repository");
    if (tag == null && digest == null) {
      throw new IllegalArgumentException("a reference needs a tag or a digest: "
          + registry + "/" + repository);
    }
  }

  /**
   * Parses and normalises a reference.
   *
   * @throws InvalidReferenceException naming the input and the reason
   */
  public static ImageReference parse(String input) {
    if (input == null || input.isEmpty()) {
      throw new InvalidReferenceException(String.valueOf(input), "empty reference");
    }
    if (HEX64.matcher(input).matches()) {
      throw new InvalidReferenceException(input,
          "a 64-character hexadecimal string is an image ID, not a repository name");
    }
    if (input.contains("://")) {
      throw new InvalidReferenceException(input,
          "a reference has no URL scheme (write HOST[:PORT]/REPOSITORY[:TAG])");
    }
    String registry;
    String remainder;
    int slash = input.indexOf('/');
    if (slash < 0 || !looksLikeHost(input.substring(0, slash))) {
      registry = DOCKER_HUB;
      remainder = input;
    } else {
      registry = input.substring(0, slash);
      remainder = input.substring(slash + 1);
    }
    if (registry.equals(LEGACY_DOCKER_HUB)) {
      registry = DOCKER_HUB;
    }
    if (registry.equals(DOCKER_HUB) && remainder.indexOf('/') < 0) {
      remainder = "library/" + remainder;
    }

    String digestText = null;
    int at = remainder.indexOf('@');
    if (at >= 0) {
      digestText = remainder.substring(at + 1);
      remainder = remainder.substring(0, at);
    }
    String tag = null;
    int colon = remainder.lastIndexOf(':');
    if (colon >= 0 && remainder.indexOf('/', colon) < 0) {
      tag = remainder.substring(colon + 1);
      remainder = remainder.substring(0, colon);
    }
    String repository = remainder;

    if (!DOMAIN.matcher(registry).matches()) {
      throw new InvalidReferenceException(input, "\"" + registry + "\" is not a valid registry host");
    }
    if (repository.isEmpty()) {
      throw new InvalidReferenceException(input, "the repository name is empty");
    }
    if (!repository.toLowerCase(java.util.Locale.ROOT).equals(repository)) {
      throw new InvalidReferenceException(input, "repository name must be lowercase");
    }
    if (!PATH.matcher(repository).matches()) {
      throw new InvalidReferenceException(input, "\"" + repository
          + "\" is not a valid repository name (lowercase letters, digits and . _ - separators,"
          + " components joined by /)");
    }
    if (registry.length() + 1 + repository.length() > NAME_MAX) {
      throw new InvalidReferenceException(input,
          "repository name must not be longer than " + NAME_MAX + " characters");
    }
    if (tag != null && !TAG.matcher(tag).matches()) {
      throw new InvalidReferenceException(input, "\"" + tag + "\" is not a valid tag"
          + " (up to 128 letters, digits, _ . -, not starting with . or -)");
    }
    Digest digest = null;
    if (digestText != null) {
      if (!DIGEST.matcher(digestText).matches()) {
        throw new InvalidReferenceException(input, "\"" + digestText + "\" is not a valid digest");
      }
      if (!Digest.isValid(digestText)) {
        throw new InvalidReferenceException(input, "only sha256 digests with 64 lowercase hex"
            + " characters are supported, not \"" + digestText + "\"");
      }
      digest = Digest.parse(digestText);
    }
    if (tag == null && digest == null) {
      tag = "latest";
    }
    return new ImageReference(registry, repository, tag, digest);
  }

  /**
   * True if {@code input} has no registry host (like {@code busybox} or {@code library/busybox}):
   * a short name, which podman may resolve through unqualified-search registries.
   */
  public static boolean isShortName(String input) {
    int slash = input.indexOf('/');
    return slash < 0 || !looksLikeHost(input.substring(0, slash));
  }

  private static boolean looksLikeHost(String first) {
    return first.indexOf('.') >= 0 || first.indexOf(':') >= 0 || first.equals("localhost");
  }

  /** {@code registry/repository}: the repository's full name, the key for credentials. */
  public String name() {
    return registry + "/" + repository;
  }

  /** What the manifest endpoint is asked for: the digest if there is one, else the tag. */
  public String manifestReference() {
    return digest != null ? digest.toString() : tag;
  }

  /** The host the API is served from ({@code registry-1.docker.io} for Docker Hub). */
  public String apiHost() {
    return registry.equals(DOCKER_HUB) ? DOCKER_HUB_API : registry;
  }

  public ImageReference withDigest(Digest d) {
    return new ImageReference(registry, repository, tag, d);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(name());
    if (tag != null) {
      sb.append(':').append(tag);
    }
    if (digest != null) {
      sb.append('@').append(digest);
    }
    return sb.toString();
  }
}
