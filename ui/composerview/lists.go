package composerview

import (
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"

	"dev.hookscope/storage"
)

// Collections are a tree: an item's folder is a path, "Billing/Invoices",
// each part a folder inside the one before. The store keeps the folder as
// one string (no storage change); the tree is built from the items.
const folderSep = "/"

// Node IDs of the collections tree: folders by path, items by ID.
const (
	folderNode = "d:"
	itemNode   = "i:"
)

// folderParts splits a folder path, ignoring empty parts and the spaces
// around them, so "a / b" and "a/b/" are the same folder.
func folderParts(folder string) []string {
	var parts []string
	for p := range strings.SplitSeq(folder, folderSep) {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	return parts
}

// cleanFolder is folder as the tree reads it: "a/b".
func cleanFolder(folder string) string { return strings.Join(folderParts(folder), folderSep) }

func itemNodeID(id uint64) string { return itemNode + strconv.FormatUint(id, 10) }

// buildTree indexes v.items as the tree's children: folders first, in
// name order, then items (the store sorts items by folder and name).
func (v *View) buildTree() {
	children := map[string][]string{}
	seen := map[string]bool{}
	var itemsUnder = map[string][]string{}
	for _, it := range v.items {
		parent := ""
		path := ""
		for _, p := range folderParts(it.Folder) {
			if path != "" {
				path += folderSep
			}
			path += p
			node := folderNode + path
			if !seen[node] {
				seen[node] = true
				children[parent] = append(children[parent], node)
			}
			parent = node
		}
		itemsUnder[parent] = append(itemsUnder[parent], itemNodeID(it.ID))
	}
	for parent, items := range itemsUnder {
		children[parent] = append(children[parent], items...)
	}
	v.tree = children
}

func (v *View) newCollectionsTree() *widget.Tree {
	t := widget.NewTree(
		func(id widget.TreeNodeID) []widget.TreeNodeID { return v.tree[id] },
		func(id widget.TreeNodeID) bool { return id == "" || strings.HasPrefix(id, folderNode) },
		func(bool) fyne.CanvasObject { return newRowLabel() },
		func(id widget.TreeNodeID, _ bool, o fyne.CanvasObject) { o.(*widget.Label).SetText(v.nodeLabel(id)) })
	t.OnSelected = func(id widget.TreeNodeID) {
		v.selected = v.itemIndex(id)
		if v.selected >= 0 {
			v.openJSON(v.items[v.selected].Request)
		} else {
			t.ToggleBranch(id)
		}
	}
	t.OnUnselected = func(widget.TreeNodeID) { v.selected = -1 }
	return t
}

// itemIndex is the index in v.items of a tree node, -1 for a folder.
func (v *View) itemIndex(node string) int {
	id, err := strconv.ParseUint(strings.TrimPrefix(node, itemNode), 10, 64)
	if !strings.HasPrefix(node, itemNode) || err != nil {
		return -1
	}
	for i, it := range v.items {
		if it.ID == id {
			return i
		}
	}
	return -1
}

func (v *View) nodeLabel(node string) string {
	if path, ok := strings.CutPrefix(node, folderNode); ok {
		return path[strings.LastIndex(path, folderSep)+1:]
	}
	if i := v.itemIndex(node); i >= 0 {
		return v.items[i].Name
	}
	return ""
}

// SelectCollectionItem selects the saved item with ID id in the tree,
// opening the folders above it, and loads it into the editor.
func (v *View) SelectCollectionItem(id uint64) {
	node := itemNodeID(id)
	for i, it := range v.items {
		if it.ID == id {
			path := ""
			for _, p := range folderParts(it.Folder) {
				if path != "" {
					path += folderSep
				}
				path += p
				v.colTree.OpenBranch(folderNode + path)
			}
			v.colTree.Select(node)
			v.selected = i
			return
		}
	}
}

// historyRow is one line of the history: it truncates with an ellipsis,
// so a long URL never sets the window's minimum width, and shows the
// whole entry (wrapped) under the list while the pointer is on it.
type historyRow struct {
	widget.Label
	v *View
	i int
}

func (v *View) newHistoryRow() fyne.CanvasObject {
	r := &historyRow{v: v}
	r.Truncation = fyne.TextTruncateEllipsis
	r.ExtendBaseWidget(r)
	return r
}

func (r *historyRow) MouseIn(*desktop.MouseEvent) {
	if r.i < len(r.v.entries) {
		r.v.historyFull.SetText(historyFull(r.v.entries[r.i]))
	}
}

func (r *historyRow) MouseMoved(*desktop.MouseEvent) {}

func (r *historyRow) MouseOut() { r.v.historyFull.SetText(historyHint) }

const historyHint = "Point at an entry to read its whole URL; click to open it."

// historyFull is an entry as the line under the list shows it: the whole
// URL, then what happened.
func historyFull(e storage.HistoryEntry) string {
	s := e.Method + " " + e.URL + "\n" + e.At.Local().Format("2006-01-02 15:04:05")
	if e.Error != "" {
		return s + " · no answer: " + e.Error
	}
	return s + " · " + strconv.Itoa(e.Status) + " in " + strconv.FormatFloat(e.DurationMs, 'f', 0, 64) + " ms"
}
