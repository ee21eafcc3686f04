package org.stargzstore.registry.ops;

import java.io.IOException;
import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.Response;
import org.stargzstore.registry.BlobContent;
import org.stargzstore.registry.errors.RegistryProtocolException;

/**
 * {@code PATCH UPLOAD_URL} with one chunk of a chunked upload ({@code Content-Range:
 * START-END}); the answer's {@code Range} must confirm everything up to the chunk's end, and its
 * {@code Location} is where the next chunk goes.
 */
public final class UploadChunk extends UploadStep<HttpUrl> {
  private final String image;
  private final HttpUrl location;
  private final BlobContent content;
  private final long offset;
  private final long length;

  public UploadChunk(String image, HttpUrl location, BlobContent content, long offset,
      long length) {
    this.image = image;
    this.location = location;
    this.content = content;
    this.offset = offset;
    this.length = length;
  }

  @Override
  public String action() {
    return "uploading bytes " + offset + "-" + (offset + length - 1) + " of blob "
        + content.digest() + " to " + image;
  }

  @Override
  public Request.Builder request(HttpUrl base) {
    return new Request.Builder().url(location)
        .header("Content-Range", offset + "-" + (offset + length - 1))
        .patch(new ContentBody(content, offset, length));
  }

  @Override
  public boolean accepts(int status) {
    return status == 202;
  }

  @Override
  public HttpUrl handle(Response r) throws IOException {
    String range = r.header("Range");
    long end = offset + length - 1;
    if (range != null && !range.trim().endsWith("-" + end)) {
      throw new RegistryProtocolException(action() + ": the registry confirmed Range " + range
          + ", not 0-" + end);
    }
    String loc = r.header("Location");
    HttpUrl next = loc == null ? location : r.request().url().resolve(loc);
    if (next == null) {
      throw new RegistryProtocolException(action() + ": bad upload Location");
    }
    return next;
  }
}
