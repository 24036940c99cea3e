// hedgerow's web components, all at once: <script type="module" src="/ui/hedgerow.js">.
// Each also loads on its own (e.g. /ui/share-dialog.js); docs/UI.md describes them.

export { ApiError, h, request } from './base.js';
export { HedgerowAccessLog } from './access-log.js';
export { HedgerowDiscover } from './discover.js';
export { HedgerowFeed } from './feed.js';
export { HedgerowLeaderboard } from './leaderboard.js';
export { HedgerowPrivacy } from './privacy.js';
export { HedgerowSettings } from './settings.js';
export { HedgerowShareDialog } from './share-dialog.js';
export { showToast } from './toasts.js';
