package org.stargzstore.registry.errors;

/** Content fetched whole (a manifest, a config, a blob) does not hash to the digest that names it. */
public class RegistryDigestMismatchException extends RegistryException {
  private static final long serialVersionUID = 1L;
  private final String expected;
  private final String actual;

  public RegistryDigestMismatchException(String what, String expected, String actual) {
    super(RegistryErrorKind.DIGEST_MISMATCH,
        what + ": content digest " + actual + " does not match the expected " + expected);
    this.expected = expected;
    this.actual = actual;
  }

  public String expected() {
    return expected;
  }

  public String actual() {
    return actual;
  }
}
