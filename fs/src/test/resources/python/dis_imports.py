"""Prints, for every pyc of this interpreter's stdlib, the imports its module-level code runs,
as CPython's own dis module decodes them: the reference CPythonStdlibImportsTest compares
PycImports with. Output lines: FILE <tab> path, then IMPORT <tab> path <tab> module|level|names.
Runs on CPython 3.7 and later."""
import dis
import marshal
import os
import sys
import sysconfig

CONSTANT_LOADS = ('LOAD_CONST', 'LOAD_SMALL_INT')


def imports(code):
    found = []
    instructions = [i for i in dis.get_instructions(code)
                    if i.opname not in ('CACHE', 'EXTENDED_ARG')]
    for k, ins in enumerate(instructions):
        if ins.opname != 'IMPORT_NAME':
            continue
        level, fromlist = instructions[k - 2], instructions[k - 1]
        if (k >= 2 and level.opname in CONSTANT_LOADS and fromlist.opname == 'LOAD_CONST'
                and isinstance(level.argval, int)):
            entry = (ins.argval, level.argval, list(fromlist.argval or ()))
        else:
            entry = (ins.argval, 0, [])
        is_future_statement = entry[0] == '__future__' and entry[1] == 0 and entry[2]
        if not is_future_statement and entry not in found:
            found.append(entry)
    return ['%s|%d|%s' % (m, l, ','.join(n)) for m, l, n in found]


def main():
    suffix = '.' + sys.implementation.cache_tag + '.pyc'
    root = sysconfig.get_paths()['stdlib']
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in ('site-packages', 'dist-packages'))
        if os.path.basename(dirpath) != '__pycache__':
            continue
        for name in sorted(filenames):
            if not name.endswith(suffix):
                continue
            path = os.path.join(dirpath, name)
            with open(path, 'rb') as f:
                data = f.read()
            try:
                code = marshal.loads(data[16:])
            except Exception:
                continue
            print('FILE\t' + path)
            for line in imports(code):
                print('IMPORT\t' + path + '\t' + line)


main()
