package org.stargzstore.registry.ops;

import org.stargzstore.registry.http.RegistryOperation;

/**
 * A step of a blob upload. Upload locations are session URLs: a redirect would move the session
 * somewhere the registry did not put it, and a body that failed half-way cannot be resent to the
 * same session, so no step follows redirects or retries after its body was sent.
 */
abstract class UploadStep<T> implements RegistryOperation<T> {
  @Override
  public final boolean followRedirects() {
    return false;
  }

  @Override
  public final boolean retryOnBodyFailure() {
    return false;
  }
}
