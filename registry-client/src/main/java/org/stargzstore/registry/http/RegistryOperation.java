package org.stargzstore.registry.http;

import java.io.IOException;
import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.Response;

/**
 * One registry API operation (pull a manifest, check a blob, start an upload, ...), in the shape
 * of Jib's endpoint providers: it builds its request and reads a successful response, and never
 * touches the transport. The {@link EndpointCaller} does authentication, retries, redirects and
 * error decoding for all of them.
 *
 * @param <T> what the operation returns
 */
public interface RegistryOperation<T> {

  /** What is being done, for every error message: "pulling manifest 127.0.0.1:5000/app:1". */
  String action();

  /** The request against the registry's base URL ({@code https://host/}). */
  Request.Builder request(HttpUrl base) throws IOException;

  /** Reads a response whose status {@link #accepts}. The caller closes the response. */
  T handle(Response response) throws IOException;

  /** Which statuses {@link #handle} takes; others are decoded into typed errors. */
  default boolean accepts(int status) {
    return status >= 200 && status < 300;
  }

  /** Whether 3xx answers are followed (blob and manifest GETs: yes, uploads: no). */
  default boolean followRedirects() {
    return true;
  }

  /** Whether the whole operation may run again if reading the body fails (idempotent reads). */
  default boolean retryOnBodyFailure() {
    return true;
  }
}
