package runner

import (
	"encoding/xml"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"
)

type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name       string           `xml:"name,attr"`
	Classname  string           `xml:"classname,attr"`
	Time       string           `xml:"time,attr"`
	Properties *junitProperties `xml:"properties,omitempty"`
	Failure    *junitFailure    `xml:"failure,omitempty"`
	Skipped    *struct{}        `xml:"skipped,omitempty"`
}

type junitProperties struct {
	List []junitProperty `xml:"property"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Body    string `xml:",chardata"`
}

// WriteJUnit writes one testcase per step; setupErr (a failure before the
// first step) becomes a testcase of its own so CI shows it.
func (r *Runner) WriteJUnit(w io.Writer, setupErr error) error {
	suite := junitSuite{Name: r.Config.Name}
	var total time.Duration
	add := func(c junitCase) {
		suite.Cases = append(suite.Cases, c)
		suite.Tests++
		if c.Failure != nil {
			suite.Failures++
		}
		if c.Skipped != nil {
			suite.Skipped++
		}
	}
	if setupErr != nil && len(r.results) == 0 {
		add(junitCase{Name: "up", Classname: r.Config.Name, Time: "0",
			Failure: &junitFailure{Message: firstLine(setupErr.Error()), Body: setupErr.Error()}})
	}
	for i, res := range r.results {
		c := junitCase{
			Name:      fmt.Sprintf("%02d %s", i+1, res.Step.Name),
			Classname: r.Config.Name,
			Time:      fmt.Sprintf("%.3f", res.Duration.Seconds()),
		}
		total += res.Duration
		if len(res.Properties) > 0 {
			c.Properties = &junitProperties{}
			for _, k := range slices.Sorted(maps.Keys(res.Properties)) {
				c.Properties.List = append(c.Properties.List, junitProperty{Name: k, Value: res.Properties[k]})
			}
		}
		switch {
		case res.Skipped:
			c.Skipped = &struct{}{}
		case res.Err != nil:
			body := fmt.Sprintf("%s: %v", res.Step.Pos, res.Err)
			c.Failure = &junitFailure{Message: firstLine(res.Err.Error()), Body: body}
		}
		add(c)
	}
	suite.Time = fmt.Sprintf("%.3f", total.Seconds())
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(junitSuites{Suites: []junitSuite{suite}}); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func firstLine(s string) string {
	for i, c := range s {
		if c == '\n' {
			return s[:i]
		}
	}
	return s
}
