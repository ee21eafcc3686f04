package org.stargzstore.registry.http;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import okhttp3.Credentials;
import okhttp3.FormBody;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.stargzstore.registry.RegistryStats;
import org.stargzstore.registry.auth.AuthChallenge;
import org.stargzstore.registry.auth.AuthScope;
import org.stargzstore.registry.auth.BearerToken;
import org.stargzstore.registry.auth.Credential;
import org.stargzstore.registry.errors.RegistryDeniedException;
import org.stargzstore.registry.errors.RegistryException;
import org.stargzstore.registry.errors.RegistryNetworkException;
import org.stargzstore.registry.errors.RegistryProtocolException;
import org.stargzstore.registry.errors.RegistryServerException;
import org.stargzstore.registry.errors.RegistryUnauthorizedException;

/**
 * Gets bearer tokens from a registry's token server and caches them per realm, service, scopes
 * and credential: a GET with Basic credentials (or anonymous), or an OAuth2 POST with the
 * refresh token when the credential is an identity token, as containers/image does. A token is
 * reused until {@code issued_at + expires_in} (at least {@code minimumLifetime}), or until the
 * registry rejects it.
 */
public final class TokenClient {
  private static final int MAX_TOKEN_RESPONSE = 1 << 20;
  private static final String CLIENT_ID = "stargz-registry-storage";

  private final HostClients clients;
  private final Duration minimumLifetime;
  private final Clock clock;
  private final RegistryStats stats;
  private final Map<String, BearerToken> cache = new ConcurrentHashMap<>();

  public TokenClient(HostClients clients, Duration minimumLifetime, Clock clock,
      RegistryStats stats) {
    this.clients = clients;
    this.minimumLifetime = minimumLifetime;
    this.clock = clock;
    this.stats = stats;
  }

  /** A valid token for these scopes: from the cache unless {@code refresh}, else fetched. */
  public BearerToken token(AuthChallenge challenge, List<AuthScope> scopes,
      Optional<Credential> credential, boolean refresh, String forWhat) throws RegistryException {
    String key = challenge.param("realm").orElse("") + "|" + challenge.param("service").orElse("")
        + "|" + scopes.stream().map(AuthScope::toString).sorted().toList() + "|"
        + credential.map(Credential::fingerprint).orElse("anonymous");
    BearerToken t = cache.get(key);
    if (!refresh && t != null && t.isValidAt(clock.instant())) {
      return t;
    }
    t = fetch(challenge, scopes, credential, forWhat);
    cache.put(key, t);
    return t;
  }

  private BearerToken fetch(AuthChallenge challenge, List<AuthScope> scopes,
      Optional<Credential> credential, String forWhat) throws RegistryException {
    String realm = challenge.param("realm").orElseThrow(() -> new RegistryProtocolException(
        forWhat + ": the registry's bearer challenge has no realm"));
    HttpUrl realmUrl = HttpUrl.parse(realm);
    if (realmUrl == null) {
      throw new RegistryProtocolException(forWhat + ": the registry's token realm \"" + realm
          + "\" is not an http(s) URL");
    }
    Optional<String> service = challenge.param("service").filter(s -> !s.isEmpty());
    Request req;
    boolean oauth = credential.isPresent() && credential.get().hasIdentityToken();
    if (oauth) {
      FormBody.Builder form = new FormBody.Builder();
      service.ifPresent(s -> form.add("service", s));
      scopes.forEach(s -> form.add("scope", s.toString()));
      form.add("grant_type", "refresh_token");
      form.add("refresh_token", credential.get().identityToken());
      form.add("client_id", CLIENT_ID);
      req = new Request.Builder().url(realmUrl).post(form.build()).build();
    } else {
      HttpUrl.Builder u = realmUrl.newBuilder();
      credential.filter(c -> !c.username().isEmpty())
          .ifPresent(c -> u.addQueryParameter("account", c.username()));
      service.ifPresent(s -> u.addQueryParameter("service", s));
      scopes.forEach(s -> u.addQueryParameter("scope", s.toString()));
      Request.Builder b = new Request.Builder().url(u.build()).get();
      credential.filter(c -> !c.username().isEmpty() && !c.password().isEmpty())
          .ifPresent(c -> b.header("Authorization",
              Credentials.basic(c.username(), c.password(), java.nio.charset.StandardCharsets.UTF_8)));
      req = b.build();
    }
    stats.onTokenFetch();
    OkHttpClient client = clients.plainClient(realmUrl, false);
    String who = credential.map(c -> c.username().isEmpty() ? "the identity token"
        : "user " + c.username()).orElse("anonymous access");
    try (Response r = client.newCall(req).execute()) {
      if (r.code() == 401) {
        throw new RegistryUnauthorizedException(forWhat + ": token server "
            + Redaction.url(realmUrl) + " rejected " + who);
      }
      if (r.code() == 403) {
        throw new RegistryDeniedException(forWhat + ": token server " + Redaction.url(realmUrl)
            + " denied " + who + " the scopes " + scopes);
      }
      if (r.code() >= 500) {
        throw new RegistryServerException(r.code(), forWhat + ": token server "
            + Redaction.url(realmUrl) + " answered HTTP " + r.code());
      }
      if (!r.isSuccessful()) {
        throw new RegistryProtocolException(forWhat + ": token server " + Redaction.url(realmUrl)
            + " answered HTTP " + r.code());
      }
      return parse(r.body(), realmUrl, forWhat);
    } catch (RegistryException e) {
      throw e;
    } catch (IOException e) {
      throw new RegistryNetworkException(forWhat + ": fetching a token from "
          + Redaction.url(realmUrl) + ": " + NetworkErrors.describe(e), e);
    }
  }

  private BearerToken parse(ResponseBody body, HttpUrl realm, String forWhat)
      throws IOException {
    byte[] bytes = Bodies.readLimited(body, MAX_TOKEN_RESPONSE,
        forWhat + ": token server " + Redaction.url(realm));
    return TokenResponse.parse(bytes, clock.instant(), minimumLifetime, Redaction.url(realm),
        forWhat);
  }

}
