/**
 * The in-tree plugin registry: upstream plugin names to factories. Out-of-tree
 * plugins are added by passing a larger registry to the profile builder.
 */
import type { PluginFactory } from "../framework/interfaces.ts";
import {
  newBalancedAllocation,
  Name as BalancedAllocation,
} from "./balancedallocation/balancedallocation.ts";
import { newDefaultBinder, Name as DefaultBinder } from "./defaultbinder/defaultbinder.ts";
import {
  newDefaultPreemption,
  Name as DefaultPreemption,
} from "./defaultpreemption/defaultpreemption.ts";
import { newImageLocality, Name as ImageLocality } from "./imagelocality/imagelocality.ts";
import {
  newInterPodAffinity,
  Name as InterPodAffinity,
} from "./interpodaffinity/interpodaffinity.ts";
import { newNodeAffinity, Name as NodeAffinity } from "./nodeaffinity/nodeaffinity.ts";
import { newNodeName, Name as NodeName } from "./nodename/nodename.ts";
import { newNodePorts, Name as NodePorts } from "./nodeports/nodeports.ts";
import {
  newNodeResourcesFit,
  Name as NodeResourcesFit,
} from "./noderesourcesfit/noderesourcesfit.ts";
import {
  newNodeUnschedulable,
  Name as NodeUnschedulable,
} from "./nodeunschedulable/nodeunschedulable.ts";
import {
  newPodTopologySpread,
  Name as PodTopologySpread,
} from "./podtopologyspread/podtopologyspread.ts";
import { newPrioritySort, Name as PrioritySort } from "./prioritysort/prioritysort.ts";
import { newTaintToleration, Name as TaintToleration } from "./tainttoleration/tainttoleration.ts";
import { newVolumeBinding, Name as VolumeBinding } from "./volumebinding/volumebinding.ts";

export type Registry = ReadonlyMap<string, PluginFactory>;

export function inTreeRegistry(): Registry {
  return new Map<string, PluginFactory>([
    [PrioritySort, () => newPrioritySort()],
    [NodeUnschedulable, () => newNodeUnschedulable()],
    [NodeName, () => newNodeName()],
    [TaintToleration, () => newTaintToleration()],
    [NodeAffinity, (args) => newNodeAffinity(args)],
    [NodePorts, () => newNodePorts()],
    [NodeResourcesFit, (args) => newNodeResourcesFit(args)],
    [VolumeBinding, (args, h) => newVolumeBinding(args, h)],
    [PodTopologySpread, (args, h) => newPodTopologySpread(args, h)],
    [InterPodAffinity, (args, h) => newInterPodAffinity(args, h)],
    [DefaultPreemption, (args, h) => newDefaultPreemption(args, h)],
    [BalancedAllocation, (args) => newBalancedAllocation(args)],
    [ImageLocality, (args, h) => newImageLocality(args, h)],
    [DefaultBinder, (args, h) => newDefaultBinder(args, h)],
  ]);
}

/** Upstream's default multiPoint plugin set (v1.32), in order, with score weights. */
export const defaultPlugins: readonly { name: string; weight?: number }[] = [
  { name: PrioritySort },
  { name: NodeUnschedulable },
  { name: NodeName },
  { name: TaintToleration, weight: 3 },
  { name: NodeAffinity, weight: 2 },
  { name: NodePorts },
  { name: NodeResourcesFit, weight: 1 },
  { name: VolumeBinding },
  { name: PodTopologySpread, weight: 2 },
  { name: InterPodAffinity, weight: 2 },
  { name: DefaultPreemption },
  { name: BalancedAllocation, weight: 1 },
  { name: ImageLocality, weight: 1 },
  { name: DefaultBinder },
];
