// A client of every operation in hedgerow's /openapi.json, on the types openapi-typescript
// generates from it (./schema.d.ts, made by tests/api/openapi_client.rs) and openapi-fetch.
// `tsc --noEmit` fails when a parameter, body or field of `data` used here drifts from the
// document; run with node against a server, each call must answer the status it expects.
// The test checks that every (method, path) of the document appears here as a call.
//
//   node out/client.js BASE_URL OWNER_TOKEN FRIEND_TOKEN
//
// The two tokens are for users without profiles yet: this client creates and deletes them.

import createClient from "openapi-fetch";
import type { paths } from "./schema.js";

declare const process: { argv: string[]; exitCode?: number };

type Result<T> = { data?: T; error?: unknown; response: Response };

// The body of a success with `status`; anything else throws.
function ok<T>(result: Result<T>, what: string, status = 200): T {
  if (result.response.status !== status || result.data === undefined) {
    throw new Error(
      `${what}: expected ${status}, got ${result.response.status} ${JSON.stringify(result.error ?? null)}`,
    );
  }
  return result.data;
}

// A failure with `status`; anything else throws.
function refused(result: Result<unknown>, what: string, status: number): void {
  if (result.response.status !== status) {
    throw new Error(`${what}: expected ${status}, got ${result.response.status}`);
  }
}

function header(result: Result<unknown>, name: string, what: string): string {
  const value = result.response.headers.get(name);
  if (value === null) throw new Error(`${what}: no ${name}`);
  return value;
}

function expect(condition: boolean, what: string): void {
  if (!condition) throw new Error(what);
}

const [baseUrl, ownerToken, friendToken] = process.argv.slice(2);
if (!baseUrl || !ownerToken || !friendToken) {
  throw new Error("usage: node client.js BASE_URL OWNER_TOKEN FRIEND_TOKEN");
}
const owner = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${ownerToken}` } });
const friend = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${friendToken}` } });
const anonymous = createClient<paths>({ baseUrl });

async function main(): Promise<void> {
  // The service itself.
  const health = ok(await anonymous.GET("/health"), "health").data;
  expect(health.status === "ok", "health");
  const ready = ok(await anonymous.GET("/ready"), "ready").data;
  expect(ready.status === "ready", "ready");
  const document = ok(await anonymous.GET("/openapi.json"), "openapi.json");
  expect(typeof document.openapi === "string", "openapi.json");

  // Profiles.
  const created = await owner.POST("/api/auth/profile", {
    body: { username: "client_owner", display_name: "Owner", email: "owner@example.com" },
  });
  const me = ok(created, "create profile", 201).data;
  expect(header(created, "Location", "create profile") === "/api/auth/profile", "Location");
  const friendProfile = ok(
    await friend.POST("/api/auth/profile", { body: { username: "client_friend" } }),
    "create friend's profile",
    201,
  ).data;
  const friendId: string = friendProfile.id;
  const mine = ok(await owner.GET("/api/auth/profile"), "get profile").data;
  expect(mine.id === me.id && mine.email === "owner@example.com", "own profile");
  const renamed = ok(
    await owner.PATCH("/api/auth/profile", { body: { display_name: "Owner A", email: null } }),
    "update profile",
  ).data;
  expect(renamed.display_name === "Owner A" && renamed.email === null, "updated profile");
  const person = ok(
    await anonymous.GET("/api/users/{username}", { params: { path: { username: "client_owner" } } }),
    "get user",
  ).data;
  expect(person.username === "client_owner" && !("email" in person), "public profile");

  // Settings.
  const settings = ok(await owner.GET("/api/settings"), "get settings").data;
  expect(settings.defaults.book === null, "books inherit by default");
  const changed = ok(
    await owner.PATCH("/api/settings", { body: { defaults: { session: "private", book: null } } }),
    "update settings",
  ).data;
  expect(changed.defaults.session === "private", "settings");

  // Sessions.
  const sessionCreated = await owner.POST("/api/sessions", {
    body: { track: "Spa", title: "Morning", laps: [91000, 90500], visibility: "public" },
  });
  const session = ok(sessionCreated, "create session", 201).data;
  expect(session.best_lap_ms === 90500 && session.lap_count === 2, "session");
  header(sessionCreated, "Location", "create session");
  const sessionRead = await owner.GET("/api/sessions/{id}", { params: { path: { id: session.id } } });
  expect(ok(sessionRead, "get session").data.track === "Spa", "session read");
  const sessionTag = header(sessionRead, "ETag", "get session");
  const notModified = await owner.GET("/api/sessions/{id}", {
    params: { path: { id: session.id }, header: { "If-None-Match": sessionTag } },
  });
  refused(notModified, "get session with If-None-Match", 304);
  const sessionUpdated = ok(
    await owner.PATCH("/api/sessions/{id}", {
      params: { path: { id: session.id }, header: { "If-Match": sessionTag } },
      body: { title: "Evening", laps: [89000] },
    }),
    "update session",
  ).data;
  expect(sessionUpdated.title === "Evening", "session updated");
  const stale = await owner.PATCH("/api/sessions/{id}", {
    params: { path: { id: session.id }, header: { "If-Match": sessionTag } },
    body: { title: "Stale" },
  });
  refused(stale, "update session with a stale If-Match", 412);
  const sessions = ok(await owner.GET("/api/sessions", { params: { query: { limit: 10 } } }), "list sessions");
  expect(sessions.pagination.total === 1 && sessions.data[0]?.id === session.id, "own sessions");
  const feed = ok(
    await anonymous.GET("/api/public/sessions", { params: { query: { track: "Spa" } } }),
    "public sessions",
  );
  expect(feed.data.some((s) => s.id === session.id), "feed");
  const board = ok(
    await anonymous.GET("/api/leaderboards/{track}", { params: { path: { track: "Spa" } } }),
    "leaderboard",
  );
  expect(board.data[0]?.rank === 1 && board.data[0].best_lap_ms === 89000, "leaderboard");
  expect(board.data[0]?.owner.username === "client_owner", "leaderboard owner");
  const seedLink = ok(
    await owner.POST("/api/sessions/{id}/share", { params: { path: { id: session.id } }, body: {} }),
    "share session",
    201,
  ).data;
  expect(seedLink.resource_id === session.id, "seed share link");

  // Shelves and books.
  const shelf = ok(await owner.POST("/api/shelves", { body: { name: "Read", visibility: "public" } }), "create shelf", 201)
    .data;
  const book = ok(
    await owner.POST("/api/shelves/{id}/books", {
      params: { path: { id: shelf.id } },
      body: { isbn13: "978-0-306-40615-7", title: "Signals" },
    }),
    "add book",
    201,
  ).data;
  expect(book.shelf_id === shelf.id && book.privacy_override === null, "book");
  const shelfRead = ok(await anonymous.GET("/api/shelves/{id}", { params: { path: { id: shelf.id } } }), "get shelf")
    .data;
  expect(shelfRead.book_count === 0 || shelfRead.books_truncated === false, "shelf");
  const shelfRenamed = ok(
    await owner.PATCH("/api/shelves/{id}", { params: { path: { id: shelf.id } }, body: { name: "Reading" } }),
    "update shelf",
  ).data;
  expect(shelfRenamed.name === "Reading" && shelfRenamed.privacy_level === "public", "shelf updated");
  const discovered = ok(
    await anonymous.GET("/api/shelves/public", { params: { query: { search: "Read", limit: 5, offset: 0 } } }),
    "discover shelves",
  );
  expect(discovered.data.some((s) => s.id === shelf.id) && discovered.pagination.total_capped === false, "discovery");
  const theirShelves = ok(
    await anonymous.GET("/api/users/{username}/shelves", { params: { path: { username: "client_owner" } } }),
    "user shelves",
  );
  expect(theirShelves.data[0]?.username === "client_owner", "user shelves");
  const shelfBooks = ok(
    await owner.GET("/api/shelves/{id}/books", { params: { path: { id: shelf.id } } }),
    "books of a shelf",
  );
  expect(shelfBooks.data[0]?.isbn13 === book.isbn13, "books of a shelf");
  const bookUpdated = ok(
    await owner.PATCH("/api/books/{id}", { params: { path: { id: book.id } }, body: { privacy_override: "private" } }),
    "update book",
  ).data;
  expect(bookUpdated.effective_privacy === "private", "book updated");
  expect(ok(await owner.GET("/api/books/{id}", { params: { path: { id: book.id } } }), "get book").data.id === book.id, "book");
  expect(ok(await owner.GET("/api/books"), "list books").data.length === 1, "books");
  expect(ok(await owner.GET("/api/shelves"), "list shelves").pagination.total === 1, "shelves");

  // Plans.
  const plan = ok(
    await owner.POST("/api/plans", { body: { title: "Launch", filename: "launch.md", content: "# Go" } }),
    "create plan",
    201,
  ).data;
  expect(plan.content === "# Go" && plan.share_link_enabled === false, "plan");
  const planUpdated = ok(
    await owner.PATCH("/api/plans/{id}", { params: { path: { id: plan.id } }, body: { content: "# Go now" } }),
    "update plan",
  ).data;
  expect(planUpdated.content_bytes === 8, "plan updated");
  expect(ok(await owner.GET("/api/plans/{id}", { params: { path: { id: plan.id } } }), "get plan").data.title === "Launch", "plan");
  expect(ok(await owner.GET("/api/plans"), "list plans").data[0]?.filename === "launch.md", "plans");

  // The verbs every kind has: privacy, links, invitations, the access log.
  const sessionPrivacy = ok(
    await owner.PUT("/api/sessions/{id}/privacy", {
      params: { path: { id: session.id } },
      body: { visibility: "unlisted", share_link_enabled: true },
    }),
    "session privacy",
  ).data;
  expect(sessionPrivacy.visibility === "unlisted", "session privacy");
  const sessionPrimary = ok(
    await owner.GET("/api/sessions/{id}/share-link", { params: { path: { id: session.id } } }),
    "session primary link",
  ).data;
  expect(sessionPrimary.enabled, "session primary link");
  const sessionRegenerated = ok(
    await owner.POST("/api/sessions/{id}/share-link/regenerate", { params: { path: { id: session.id } }, body: {} }),
    "session regenerate",
  ).data;
  expect(sessionRegenerated.share_url !== sessionPrimary.share_url, "session regenerated");
  // (Regenerating changes the newest link's token: this one is made after.)
  const sessionLink = ok(
    await owner.POST("/api/sessions/{id}/shares", {
      params: { path: { id: session.id } },
      body: { expires_in_seconds: 3600 },
    }),
    "session share link",
    201,
  ).data;
  const sessionLinks = ok(
    await owner.GET("/api/sessions/{id}/shares", { params: { path: { id: session.id } } }),
    "session share links",
  );
  expect(sessionLinks.data.length === 2, "session links");
  const sessionGrant = await owner.POST("/api/sessions/{id}/access", {
    params: { path: { id: session.id } },
    body: { username: "client_friend" },
  });
  expect(ok(sessionGrant, "invite to session", 201).data.session_id === session.id, "session grant");
  header(sessionGrant, "Location", "invite to session");
  const again = ok(
    await owner.POST("/api/sessions/{id}/access", {
      params: { path: { id: session.id } },
      body: { username: "client_friend" },
    }),
    "invite to session again",
    200,
  ).data;
  expect(again.user_id === friendId, "invited again");
  expect(
    ok(await owner.GET("/api/sessions/{id}/access", { params: { path: { id: session.id } } }), "session grants").data[0]
      ?.username === "client_friend",
    "session grants",
  );
  const sharedWithFriend = ok(await friend.GET("/api/shared-with-me"), "shared with me");
  expect(sharedWithFriend.data[0]?.owner.username === "client_owner", "shared with me");
  const throughLink = ok(
    await anonymous.GET("/api/shared/{token}", { params: { path: { token: sessionLink.token } } }),
    "shared",
  ).data;
  expect(throughLink.kind === "session" && throughLink.owner.username === "client_owner", "shared");
  const byHeader = await anonymous.GET("/api/sessions/{id}", {
    params: { path: { id: session.id }, header: { "X-Share-Token": sessionLink.token } },
  });
  expect(ok(byHeader, "session through a link").data.id === session.id, "session through a link");
  const page = ok(
    await anonymous.GET("/shared/{token}", { params: { path: { token: sessionLink.token } }, parseAs: "text" }),
    "shared page",
  );
  expect(page.includes("Evening"), "shared page");
  const sessionLog = ok(
    await owner.GET("/api/sessions/{id}/access-logs", { params: { path: { id: session.id } } }),
    "session access log",
  );
  expect(sessionLog.data.some((row) => row.accessed_via === "share_link"), "session access log");
  const sessionRevoked = ok(
    await owner.DELETE("/api/sessions/{id}/access/{user_id}", {
      params: { path: { id: session.id, user_id: friendId } },
    }),
    "revoke session grant",
  ).data;
  expect(sessionRevoked.revoked, "session grant revoked");
  const sessionLinkRevoked = ok(
    await owner.DELETE("/api/sessions/{id}/shares/{share_id}", {
      params: { path: { id: session.id, share_id: sessionLink.id } },
    }),
    "revoke session link",
  ).data;
  expect(sessionLinkRevoked.revoked_at !== null && !sessionLinkRevoked.active, "session link revoked");

  const shelfPrivacy = ok(
    await owner.PUT("/api/shelves/{id}/privacy", { params: { path: { id: shelf.id } }, body: { privacy_level: "private" } }),
    "shelf privacy",
  ).data;
  expect(shelfPrivacy.privacy_level === "private", "shelf privacy");
  ok(
    await owner.POST("/api/shelves/{id}/share-link/regenerate", { params: { path: { id: shelf.id } }, body: {} }),
    "shelf regenerate",
  );
  const shelfLink = ok(
    await owner.POST("/api/shelves/{id}/shares", { params: { path: { id: shelf.id } }, body: {} }),
    "shelf share link",
    201,
  ).data;
  expect(
    ok(await owner.GET("/api/shelves/{id}/shares", { params: { path: { id: shelf.id } } }), "shelf share links").data[0]
      ?.kind === "shelf",
    "shelf links",
  );
  expect(
    typeof ok(await owner.GET("/api/shelves/{id}/share-link", { params: { path: { id: shelf.id } } }), "shelf primary link")
      .data.enabled === "boolean",
    "shelf primary link",
  );
  ok(
    await owner.POST("/api/shelves/{id}/access", { params: { path: { id: shelf.id } }, body: { username: "client_friend" } }),
    "invite to shelf",
    201,
  );
  expect(
    ok(await owner.GET("/api/shelves/{id}/access", { params: { path: { id: shelf.id } } }), "shelf grants").pagination
      .total === 1,
    "shelf grants",
  );
  const bookThroughShelf = ok(
    await anonymous.GET("/api/shelves/{id}/books", {
      params: { path: { id: shelf.id }, query: { token: shelfLink.token } },
    }),
    "books through the shelf's link",
  );
  expect(bookThroughShelf.data.length === 0, "an overridden-private book is not shared by its shelf's link");
  expect(
    ok(await owner.GET("/api/shelves/{id}/access-logs", { params: { path: { id: shelf.id } } }), "shelf access log").data
      .every((row) => typeof row.id === "number"),
    "shelf access log",
  );
  ok(
    await owner.DELETE("/api/shelves/{id}/access/{user_id}", { params: { path: { id: shelf.id, user_id: friendId } } }),
    "revoke shelf grant",
  );
  ok(
    await owner.DELETE("/api/shelves/{id}/shares/{share_id}", {
      params: { path: { id: shelf.id, share_id: shelfLink.id } },
    }),
    "revoke shelf link",
  );

  const bookPrivacy = ok(
    await owner.PUT("/api/books/{id}/privacy", { params: { path: { id: book.id } }, body: { visibility: null } }),
    "book privacy",
  ).data;
  expect(bookPrivacy.privacy_override === null && bookPrivacy.effective_privacy === "private", "book inherits");
  const bookLink = ok(
    await owner.POST("/api/books/{id}/shares", { params: { path: { id: book.id } }, body: {} }),
    "book share link",
    201,
  ).data;
  expect(
    ok(await owner.GET("/api/books/{id}/shares", { params: { path: { id: book.id } } }), "book share links").data.length === 1,
    "book links",
  );
  ok(await owner.GET("/api/books/{id}/share-link", { params: { path: { id: book.id } } }), "book primary link");
  ok(
    await owner.POST("/api/books/{id}/share-link/regenerate", { params: { path: { id: book.id } }, body: {} }),
    "book regenerate",
  );
  ok(
    await owner.POST("/api/books/{id}/access", { params: { path: { id: book.id } }, body: { username: "client_friend" } }),
    "invite to book",
    201,
  );
  ok(await owner.GET("/api/books/{id}/access", { params: { path: { id: book.id } } }), "book grants");
  ok(await owner.GET("/api/books/{id}/access-logs", { params: { path: { id: book.id } } }), "book access log");
  ok(
    await owner.DELETE("/api/books/{id}/access/{user_id}", { params: { path: { id: book.id, user_id: friendId } } }),
    "revoke book grant",
  );
  ok(
    await owner.DELETE("/api/books/{id}/shares/{share_id}", { params: { path: { id: book.id, share_id: bookLink.id } } }),
    "revoke book link",
  );

  const planPrivacy = ok(
    await owner.PUT("/api/plans/{id}/privacy", { params: { path: { id: plan.id } }, body: { is_public: false } }),
    "plan privacy",
  ).data;
  expect(planPrivacy.is_public === false, "plan privacy");
  const planLink = ok(
    await owner.POST("/api/plans/{id}/shares", { params: { path: { id: plan.id } }, body: {} }),
    "plan share link",
    201,
  ).data;
  expect(planLink.url.includes(`/plans/${plan.id}?token=`), "a plan's link opens its page");
  const planPage = ok(
    await anonymous.GET("/plans/{id}", {
      params: { path: { id: plan.id }, query: { token: planLink.token } },
      parseAs: "text",
    }),
    "plan page",
  );
  expect(planPage.includes("Launch"), "plan page");
  ok(await owner.GET("/api/plans/{id}/shares", { params: { path: { id: plan.id } } }), "plan share links");
  ok(await owner.GET("/api/plans/{id}/share-link", { params: { path: { id: plan.id } } }), "plan primary link");
  ok(
    await owner.POST("/api/plans/{id}/share-link/regenerate", { params: { path: { id: plan.id } }, body: {} }),
    "plan regenerate",
  );
  ok(
    await owner.POST("/api/plans/{id}/access", { params: { path: { id: plan.id } }, body: { username: "client_friend" } }),
    "invite to plan",
    201,
  );
  ok(await owner.GET("/api/plans/{id}/access", { params: { path: { id: plan.id } } }), "plan grants");
  ok(await owner.GET("/api/plans/{id}/access-logs", { params: { path: { id: plan.id } } }), "plan access log");
  ok(
    await owner.DELETE("/api/plans/{id}/access/{user_id}", { params: { path: { id: plan.id, user_id: friendId } } }),
    "revoke plan grant",
  );
  ok(
    await owner.DELETE("/api/plans/{id}/shares/{share_id}", { params: { path: { id: plan.id, share_id: planLink.id } } }),
    "revoke plan link",
  );

  // Everything the owner has, then leaving.
  const exported = ok(await owner.GET("/api/auth/export"), "export").data;
  expect(exported.profile.username === "client_owner" && exported.resources.sessions.length === 1, "export");
  const deletedBook = ok(await owner.DELETE("/api/books/{id}", { params: { path: { id: book.id } } }), "delete book").data;
  expect(deletedBook.deleted && deletedBook.id === book.id, "book deleted");
  ok(await owner.DELETE("/api/shelves/{id}", { params: { path: { id: shelf.id } } }), "delete shelf");
  ok(await owner.DELETE("/api/plans/{id}", { params: { path: { id: plan.id } } }), "delete plan");
  ok(await owner.DELETE("/api/sessions/{id}", { params: { path: { id: session.id } } }), "delete session");
  const left = ok(await owner.DELETE("/api/auth/profile", { body: { confirm: "client_owner" } }), "delete profile").data;
  expect(left.deleted && left.username === "client_owner", "left");
  ok(await friend.DELETE("/api/auth/profile", { body: { confirm: "client_friend" } }), "delete friend's profile");
}

await main();
console.log("client: every operation answered as expected");
