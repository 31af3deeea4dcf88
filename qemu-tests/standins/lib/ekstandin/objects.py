"""What the API stand-in knows about Kubernetes objects: the resources it serves, their
discovery documents, Status errors, Table rows for `kubectl get`, merge patches."""

import copy
import datetime
import json

# (group, version) -> [(resource, kind, namespaced, shortNames)]
RESOURCES = {
    ("", "v1"): [("nodes", "Node", False, ["no"]),
                 ("namespaces", "Namespace", False, ["ns"]),
                 ("configmaps", "ConfigMap", True, ["cm"]),
                 ("secrets", "Secret", True, [])],
    ("certificates.k8s.io", "v1"): [("certificatesigningrequests", "CertificateSigningRequest",
                                     False, ["csr"])],
    ("coordination.k8s.io", "v1"): [("leases", "Lease", True, [])],
}
VERBS = ["create", "delete", "get", "list", "patch", "update"]
STATUS_SUBRESOURCES = {"nodes", "namespaces", "certificatesigningrequests"}


def lookup(group, version, resource):
    for r in RESOURCES.get((group, version), []):
        if r[0] == resource:
            return r
    return None


def api_version(group, version):
    return "%s/%s" % (group, version) if group else version


def now_rfc3339():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_rfc3339(s):
    try:
        return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=datetime.timezone.utc)
    except (TypeError, ValueError):
        return None


# ------------------------------------------------------------------ discovery

def api_versions(server_address):
    return {"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0",
                                            "serverAddress": server_address}]}


def api_group_list():
    groups = []
    for (g, v) in RESOURCES:
        if g:
            gv = {"groupVersion": "%s/%s" % (g, v), "version": v}
            groups.append({"name": g, "versions": [gv], "preferredVersion": gv})
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def api_group(group):
    for (g, v) in RESOURCES:
        if g == group:
            gv = {"groupVersion": "%s/%s" % (g, v), "version": v}
            return {"kind": "APIGroup", "apiVersion": "v1", "name": g, "versions": [gv],
                    "preferredVersion": gv}
    return None


def resource_list(group, version):
    rs = RESOURCES.get((group, version))
    if rs is None:
        return None
    out = []
    for name, kind, namespaced, short in rs:
        singular = kind.lower()
        out.append({"name": name, "singularName": singular, "namespaced": namespaced,
                    "kind": kind, "verbs": VERBS, "shortNames": short})
        if name in STATUS_SUBRESOURCES:
            out.append({"name": name + "/status", "singularName": "", "namespaced": namespaced,
                        "kind": kind, "verbs": ["get", "patch", "update"]})
    return {"kind": "APIResourceList", "apiVersion": "v1",
            "groupVersion": api_version(group, version), "resources": out}


# --------------------------------------------------------------------- errors

REASONS = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
           405: "MethodNotAllowed", 406: "NotAcceptable", 409: "AlreadyExists",
           413: "RequestEntityTooLarge", 415: "UnsupportedMediaType", 422: "Invalid",
           500: "InternalError", 503: "ServiceUnavailable"}


def status(code, message, reason=None, name=None, kind=None, group=None):
    s = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
         "message": message, "reason": reason or REASONS.get(code, "Unknown"), "code": code}
    if name is not None or kind is not None:
        s["details"] = {k: v for k, v in (("name", name), ("group", group), ("kind", kind))
                        if v}
    return s


def success_status(name, kind, group=None):
    d = {"name": name, "kind": kind}
    if group:
        d["group"] = group
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
            "details": d}


# --------------------------------------------------------------------- patches

def _strip_directives(v):
    if isinstance(v, dict):
        return {k: _strip_directives(x) for k, x in v.items() if not k.startswith("$")}
    if isinstance(v, list):
        return [_strip_directives(x) for x in v]
    return v


def merge_patch(target, patch):
    """RFC 7386 JSON merge patch. Strategic merge patches are applied the same way with
    their $directives dropped: lists are replaced whole (enough for ConfigMaps, labels,
    annotations and Node status)."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = dict(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if k.startswith("$"):
            continue
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), _strip_directives(v))
    return out


# ---------------------------------------------------------------------- tables

def _age(obj):
    t = parse_rfc3339(obj.get("metadata", {}).get("creationTimestamp"))
    if not t:
        return "<unknown>"
    s = int((datetime.datetime.now(datetime.timezone.utc) - t).total_seconds())
    if s < 0:
        s = 0
    if s < 120:
        return "%ds" % s
    if s < 3600 * 3:
        return "%dm" % (s // 60) if s < 600 else "%dm" % (s // 60)
    if s < 86400 * 2:
        return "%dh" % (s // 3600)
    return "%dd" % (s // 86400)


def _node_cells(o):
    conds = {c.get("type"): c.get("status") for c in o.get("status", {}).get("conditions") or []}
    st = {"True": "Ready", "False": "NotReady"}.get(conds.get("Ready"), "Unknown")
    if o.get("spec", {}).get("unschedulable"):
        st += ",SchedulingDisabled"
    roles = sorted(k.split("/", 1)[1] for k in (o.get("metadata", {}).get("labels") or {})
                   if k.startswith("node-role.kubernetes.io/"))
    ver = o.get("status", {}).get("nodeInfo", {}).get("kubeletVersion", "")
    return [o["metadata"]["name"], st, ",".join(roles) or "<none>", _age(o), ver]


COLUMNS = {
    "nodes": (["Name", "Status", "Roles", "Age", "Version"], _node_cells),
    "configmaps": (["Name", "Data", "Age"],
                   lambda o: [o["metadata"]["name"], len(o.get("data") or {})
                              + len(o.get("binaryData") or {}), _age(o)]),
    "secrets": (["Name", "Type", "Data", "Age"],
                lambda o: [o["metadata"]["name"], o.get("type", "Opaque"),
                           len(o.get("data") or {}), _age(o)]),
    "namespaces": (["Name", "Status", "Age"],
                   lambda o: [o["metadata"]["name"],
                              o.get("status", {}).get("phase", "Active"), _age(o)]),
}


def table(resource, objects, resource_version, include_object="Metadata"):
    names, cells = COLUMNS.get(resource, (["Name", "Age"],
                                          lambda o: [o["metadata"]["name"], _age(o)]))
    cols = [{"name": n, "type": "integer" if n == "Data" else "string",
             "format": "name" if n == "Name" else "", "description": n, "priority": 0}
            for n in names]
    rows = []
    for o in objects:
        row = {"cells": cells(o)}
        if include_object == "Object":
            row["object"] = o
        elif include_object != "None":
            row["object"] = {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                             "metadata": o.get("metadata", {})}
        rows.append(row)
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1",
            "metadata": {"resourceVersion": str(resource_version)},
            "columnDefinitions": cols, "rows": rows}


def wants_table(accept):
    return any("as=Table" in part for part in (accept or "").split(",")
               if "g=meta.k8s.io" in part)


NODE_GRACE_S = 40      # kube-controller-manager's node-monitor-grace-period


def node_lifecycle(o):
    """What the node lifecycle controller would have done by now: a Node whose kubelet has
    not posted its status for NODE_GRACE_S reads Ready=Unknown (there is no controller
    manager among the stand-ins, so the API computes it on read)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    for c in o.get("status", {}).get("conditions") or []:
        t = parse_rfc3339(c.get("lastHeartbeatTime"))
        if t is not None and (now - t).total_seconds() > NODE_GRACE_S:
            c.update(status="Unknown", reason="NodeStatusUnknown",
                     message="Kubelet stopped posting node status.")
    return o


def match_labels(obj, selector):
    """label selectors of the forms k=v, k==v, k!=v, k, !k joined by commas."""
    if not selector:
        return True
    labels = obj.get("metadata", {}).get("labels") or {}
    for term in selector.split(","):
        term = term.strip()
        if not term:
            continue
        if "!=" in term:
            k, v = term.split("!=", 1)
            if labels.get(k.strip()) == v.strip():
                return False
        elif "=" in term:
            k, v = term.replace("==", "=").split("=", 1)
            if labels.get(k.strip()) != v.strip():
                return False
        elif term.startswith("!"):
            if term[1:] in labels:
                return False
        elif term not in labels:
            return False
    return True


def dumps(obj):
    return json.dumps(obj, separators=(",", ":")).encode()
