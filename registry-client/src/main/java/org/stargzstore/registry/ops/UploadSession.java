package org.stargzstore.registry.ops;

import okhttp3.HttpUrl;

/**
 * The answer to starting an upload: either the blob was mounted from another repository (done),
 * or an upload URL to send the content to.
 */
public record UploadSession(boolean mounted, HttpUrl location) {}
