// render-overlay renders Warewulf overlay templates (*.ww) the way Warewulf does, with Go's
// text/template, against a Warewulf-shaped data set, so that a template slip (syntax, a field
// that Warewulf does not have, a wrong type) fails a test instead of a node's boot.
//
//	render-overlay -nodes FILE.json -node NAME -shape 4.5|4.6 -out DIR OVERLAY_ROOTFS...
//
// FILE.json holds what Warewulf keeps in warewulf.conf and nodes.conf (see
// qemu-tests/fixtures/nodes/README.md). The template data mirrors Warewulf's TemplateStruct
// (internal/pkg/overlay/datastructure.go) in the shape of the chosen version: in 4.5 network
// addresses are strings, in 4.6 they are net.IP. Profiles are merged into the node (node wins),
// as Warewulf does before rendering. Only text/template's built-in functions are provided:
// ekinit's templates use no Warewulf extras, and any use of one fails here.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/template"
)

// ---- input (JSON, nodes.conf-shaped)

type inNetDev struct {
	Type    string            `json:"type"`
	OnBoot  string            `json:"onboot"`
	Device  string            `json:"device"`
	Hwaddr  string            `json:"hwaddr"`
	Ipaddr  string            `json:"ipaddr"`
	Netmask string            `json:"netmask"`
	Gateway string            `json:"gateway"`
	MTU     string            `json:"mtu"`
	Primary string            `json:"primary"`
	Tags    map[string]string `json:"tags"`
}

type inNode struct {
	Comment     string               `json:"comment"`
	ClusterName string               `json:"cluster name"`
	Profiles    []string             `json:"profiles"`
	Init        string               `json:"init"`
	Root        string               `json:"root"`
	NetDevs     map[string]*inNetDev `json:"network devices"`
	Tags        map[string]string    `json:"tags"`
	PrimaryNet  string               `json:"primary network"`
}

type inServer struct {
	Ipaddr   string `json:"ipaddr"`
	Netmask  string `json:"netmask"`
	Network  string `json:"network"`
	Hostname string `json:"hostname"` // the server's hostname: Warewulf's .BuildHost
}

type input struct {
	Server   inServer           `json:"warewulf"`
	Profiles map[string]*inNode `json:"nodeprofiles"`
	Nodes    map[string]*inNode `json:"nodes"`
}

// ---- Warewulf 4.5 shape (strings everywhere; node.NodeConf embedded)

type netDevs45 struct {
	Type, OnBoot, Device, Hwaddr, Ipaddr, IpCIDR, Ipaddr6, Prefix, Netmask, Gateway, MTU, Primary, Default string
	Tags                                                                                                   map[string]string
}

type nodeConf45 struct {
	Comment, ClusterName, ContainerName, Ipxe string
	RuntimeOverlay, SystemOverlay             []string
	Init, Root, AssetKey, Discoverable        string
	Profiles                                  []string
	NetDevs                                   map[string]*netDevs45
	Tags                                      map[string]string
	PrimaryNetDev                             string
}

type tstruct45 struct {
	Id, Hostname, BuildHost, BuildTime, BuildTimeUnix, BuildSource string
	Ipaddr, Ipaddr6, Netmask, Network, NetworkCIDR, Overlay        string
	Ipv6                                                           bool
	nodeConf45
	Container string
}

// ---- Warewulf 4.6 shape (net.IP addresses; node.Node embedded)

type netDev46 struct {
	Type                     string
	OnBoot                   bool
	Device, Hwaddr           string
	Ipaddr, Netmask, Gateway net.IP
	Ipaddr6                  net.IP
	PrefixLen6               string
	Gateway6                 net.IP
	MTU                      string
	Tags                     map[string]string
}

type profile46 struct {
	Profiles                      []string
	Comment, ClusterName          string
	ImageName, Ipxe               string
	RuntimeOverlay, SystemOverlay []string
	Init, Root                    string
	NetDevs                       map[string]*netDev46
	Tags                          map[string]string
	PrimaryNetDev                 string
}

type node46 struct {
	Discoverable bool
	AssetKey     string
	profile46
}

type tstruct46 struct {
	Id, Hostname, BuildHost, BuildTime, BuildTimeUnix, BuildSource string
	Ipaddr, IpCIDR, Netmask, Network, NetworkCIDR, Overlay         string
	Ipaddr6, PrefixLen6, IpCIDR6, Network6, NetworkCIDR6           string
	Ipv6                                                           bool
	node46
	Container, ContainerName string
}

// merged returns the node with its profiles applied (profile values first, node values win;
// tags and network devices merge per key).
func merged(in *input, name string) (*inNode, error) {
	n, ok := in.Nodes[name]
	if !ok {
		return nil, fmt.Errorf("no node %q in the data set", name)
	}
	out := &inNode{Tags: map[string]string{}, NetDevs: map[string]*inNetDev{}}
	layers := []*inNode{}
	for _, p := range n.Profiles {
		pr, ok := in.Profiles[p]
		if !ok {
			return nil, fmt.Errorf("node %s: no profile %q", name, p)
		}
		layers = append(layers, pr)
	}
	layers = append(layers, n)
	for _, l := range layers {
		if l.ClusterName != "" {
			out.ClusterName = l.ClusterName
		}
		if l.Comment != "" {
			out.Comment = l.Comment
		}
		if l.Init != "" {
			out.Init = l.Init
		}
		if l.Root != "" {
			out.Root = l.Root
		}
		if l.PrimaryNet != "" {
			out.PrimaryNet = l.PrimaryNet
		}
		for k, v := range l.Tags {
			out.Tags[k] = v
		}
		for k, nd := range l.NetDevs {
			cur, ok := out.NetDevs[k]
			if !ok {
				cur = &inNetDev{Tags: map[string]string{}}
				out.NetDevs[k] = cur
			}
			for _, f := range [][2]*string{{&cur.Type, &nd.Type}, {&cur.OnBoot, &nd.OnBoot},
				{&cur.Device, &nd.Device}, {&cur.Hwaddr, &nd.Hwaddr}, {&cur.Ipaddr, &nd.Ipaddr},
				{&cur.Netmask, &nd.Netmask}, {&cur.Gateway, &nd.Gateway}, {&cur.MTU, &nd.MTU},
				{&cur.Primary, &nd.Primary}} {
				if *f[1] != "" {
					*f[0] = *f[1]
				}
			}
			for tk, tv := range nd.Tags {
				cur.Tags[tk] = tv
			}
		}
	}
	out.Profiles = n.Profiles
	return out, nil
}

func ip(s string) net.IP {
	if s == "" {
		return nil
	}
	return net.ParseIP(s)
}

func cidr(ipaddr, mask string) string {
	i, m := net.ParseIP(ipaddr), net.ParseIP(mask)
	if i == nil || m == nil {
		return ""
	}
	return (&net.IPNet{IP: i.To4(), Mask: net.IPMask(m.To4())}).String()
}

const buildTime, buildTimeUnix = "01-02-2024 00:00:00 UTC", "1704153600" // fixed: reproducible output

func data(in *input, name, shape, overlay string) (interface{}, error) {
	n, err := merged(in, name)
	if err != nil {
		return nil, err
	}
	s := in.Server
	network := cidr(s.Network, s.Netmask)
	switch shape {
	case "4.5":
		t := tstruct45{Id: name, Hostname: name, BuildHost: s.Hostname, BuildTime: buildTime,
			BuildTimeUnix: buildTimeUnix, Ipaddr: s.Ipaddr, Netmask: s.Netmask, Network: s.Network,
			NetworkCIDR: network, Overlay: overlay}
		t.ClusterName, t.Comment, t.Init, t.Root = n.ClusterName, n.Comment, n.Init, n.Root
		t.Profiles, t.Tags, t.PrimaryNetDev = n.Profiles, n.Tags, n.PrimaryNet
		t.NetDevs = map[string]*netDevs45{}
		for k, d := range n.NetDevs {
			t.NetDevs[k] = &netDevs45{Type: d.Type, OnBoot: d.OnBoot, Device: d.Device,
				Hwaddr: d.Hwaddr, Ipaddr: d.Ipaddr, IpCIDR: cidr(d.Ipaddr, d.Netmask),
				Netmask: d.Netmask, Gateway: d.Gateway, MTU: d.MTU, Primary: d.Primary, Tags: d.Tags}
		}
		return t, nil
	case "4.6":
		t := tstruct46{Id: name, Hostname: name, BuildHost: s.Hostname, BuildTime: buildTime,
			BuildTimeUnix: buildTimeUnix, Ipaddr: s.Ipaddr, IpCIDR: cidr(s.Ipaddr, s.Netmask),
			Netmask: s.Netmask, Network: s.Network, NetworkCIDR: network, Overlay: overlay}
		t.ClusterName, t.Comment, t.Init, t.Root = n.ClusterName, n.Comment, n.Init, n.Root
		t.Profiles, t.Tags, t.PrimaryNetDev = n.Profiles, n.Tags, n.PrimaryNet
		t.NetDevs = map[string]*netDev46{}
		for k, d := range n.NetDevs {
			t.NetDevs[k] = &netDev46{Type: d.Type, OnBoot: d.OnBoot == "true", Device: d.Device,
				Hwaddr: d.Hwaddr, Ipaddr: ip(d.Ipaddr), Netmask: ip(d.Netmask),
				Gateway: ip(d.Gateway), MTU: d.MTU, Tags: d.Tags}
		}
		return t, nil
	}
	return nil, fmt.Errorf("unknown shape %q (4.5 or 4.6)", shape)
}

// render renders every *.ww under root (an overlay's rootfs) into out, as Warewulf does:
// the .ww suffix dropped, other files copied as they are.
func render(root, out string, d interface{}) error {
	var files []string
	err := filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if fi.Mode().IsRegular() {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(files)
	for _, p := range files {
		rel, _ := filepath.Rel(root, p)
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		dst := filepath.Join(out, rel)
		if strings.HasSuffix(rel, ".ww") {
			dst = strings.TrimSuffix(dst, ".ww")
			// Warewulf 4.5 and 4.6 both parse with missingkey=default.
			tmpl, err := template.New(filepath.Base(p)).Option("missingkey=default").Parse(string(src))
			if err != nil {
				return err
			}
			var buf bytes.Buffer
			if err := tmpl.Execute(&buf, d); err != nil {
				return err
			}
			src = buf.Bytes()
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(dst, src, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func main() {
	nodes := flag.String("nodes", "", "Warewulf-shaped data set (JSON)")
	node := flag.String("node", "", "node to render for")
	shape := flag.String("shape", "4.6", "Warewulf version whose template data shape to use: 4.5 or 4.6")
	out := flag.String("out", "", "output directory")
	flag.Parse()
	if *nodes == "" || *node == "" || *out == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: render-overlay -nodes FILE.json -node NAME [-shape 4.5|4.6] -out DIR OVERLAY_ROOTFS...")
		os.Exit(2)
	}
	raw, err := os.ReadFile(*nodes)
	if err != nil {
		fmt.Fprintln(os.Stderr, "render-overlay:", err)
		os.Exit(1)
	}
	var in input
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		fmt.Fprintf(os.Stderr, "render-overlay: %s: %v\n", *nodes, err)
		os.Exit(1)
	}
	for _, root := range flag.Args() {
		// overlay name: the directory that holds rootfs/
		name := filepath.Base(filepath.Dir(filepath.Clean(root)))
		d, err := data(&in, *node, *shape, name)
		if err == nil {
			err = render(root, *out, d)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "render-overlay: %s (Warewulf %s shape): %v\n", *node, *shape, err)
			os.Exit(1)
		}
	}
}
