/**
 * The reference for the etcd driver's protobuf tests: protobufjs (a dependency
 * of the etcd3 package) reading etcd's own .proto files.
 */
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const protobuf = require("protobufjs") as typeof import("protobufjs");
const protoDir = require.resolve("etcd3/package.json").replace(/package\.json$/, "proto/");
const root = new protobuf.Root().loadSync(`${protoDir}rpc.proto`, { keepCase: true });

/** An etcdserverpb message type by name (RangeRequest, WatchResponse, ...). */
export const etcdType = (name: string) => root.lookupType(`etcdserverpb.${name}`);
