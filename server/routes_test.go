package server

import (
	"bufio"
	"os"
	"regexp"
	"strings"
	"testing"
)

// openAPIRoutes reads docs/openapi.yaml crudely: the paths are the lines
// "  /…:" under "paths:", the methods the lines "    get:" etc. below them.
func openAPIRoutes(t *testing.T) map[string]bool {
	t.Helper()
	f, err := os.Open("../docs/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pathRE := regexp.MustCompile(`^  (/[^:]*):\s*$`)
	methodRE := regexp.MustCompile(`^    (get|post|put|patch|delete|head|options):\s*$`)
	routes := make(map[string]bool)
	inPaths, path := false, ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "paths:":
			inPaths = true
		case inPaths && line != "" && line[0] != ' ' && line[0] != '#':
			inPaths = false
		case !inPaths:
		case pathRE.MatchString(line):
			path = pathRE.FindStringSubmatch(line)[1]
		case path != "" && methodRE.MatchString(line):
			routes[strings.ToUpper(methodRE.FindStringSubmatch(line)[1])+" "+path] = true
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(routes) == 0 {
		t.Fatal("no routes found in docs/openapi.yaml")
	}
	return routes
}

// TestRoutesDocumented checks that every route the server registers is
// in docs/openapi.yaml, and that the document lists no other.
func TestRoutesDocumented(t *testing.T) {
	doc := openAPIRoutes(t)
	s := New(newNode(t), Options{})
	served := make(map[string]bool)
	for _, rt := range s.Routes() {
		paths := rt.OpenAPI
		if len(paths) == 0 {
			paths = []string{rt.Pattern}
		}
		for _, p := range paths {
			key := rt.Method + " " + p
			served[key] = true
			if !doc[key] {
				t.Errorf("route %s (pattern %q) is not in docs/openapi.yaml", key, rt.Method+" "+rt.Pattern)
			}
		}
	}
	for key := range doc {
		if !served[key] {
			t.Errorf("docs/openapi.yaml lists %s, which the server does not register", key)
		}
	}
}
