/** ObjectCache moved to src/apiserver/object-cache.ts (shared by admission plugins). */
export { ObjectCache } from "../../object-cache.ts";
