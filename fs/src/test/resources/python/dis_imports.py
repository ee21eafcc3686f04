"""Prints, for every pyc of this interpreter's stdlib, the imports its module-level code and the
class bodies it defines run (depth first, module first),
as CPython's own dis module decodes them: the reference CPythonStdlibImportsTest compares
PycImports with. Output lines: FILE <tab> path, then IMPORT <tab> path <tab> module|level|names.
Runs on CPython 3.7 and later."""
import dis
import marshal
import os
import sys
import sysconfig

CONSTANT_LOADS = ('LOAD_CONST', 'LOAD_SMALL_INT')


EXC_TESTS = ('CHECK_EXC_MATCH', 'JUMP_IF_NOT_EXC_MATCH')


def tests_an_exception(instructions, start):
    for ins in instructions[start:start + 4]:
        if ins.opname in EXC_TESTS or (ins.opname == 'COMPARE_OP'
                                      and ins.argval == 'exception match'):
            return True
    return False


HANDLER_ENDS = ('POP_EXCEPT', 'RAISE_VARARGS', 'RERAISE', 'END_FINALLY')
JUMPS_IF_FALSE = ('POP_JUMP_IF_FALSE', 'POP_JUMP_FORWARD_IF_FALSE')


def imports(code):
    """IMPORT_NAMEs that run on import: not in an `except ImportError` clause (from its test to
    the end of its body: POP_EXCEPT or a raise), not in an `if __name__ == '__main__':` block
    (from the jump after loading '__main__' to its target)."""
    found = []
    instructions = [i for i in dis.get_instructions(code)
                    if i.opname not in ('CACHE', 'EXTENDED_ARG')]
    in_fallback = False
    skip = range(0)
    for k, ins in enumerate(instructions):
        if ins.offset in skip:
            continue
        if ins.opname == 'LOAD_CONST' and ins.argval == '__main__':
            for jump in instructions[k + 1:k + 4]:
                if jump.opname in JUMPS_IF_FALSE:
                    skip = range(jump.offset, jump.argval)
                    break
            continue
        if (ins.opname == 'LOAD_NAME' and ins.argval in ('ImportError', 'ModuleNotFoundError')
                and tests_an_exception(instructions, k + 1)):
            in_fallback = True
            continue
        if ins.opname in HANDLER_ENDS:
            in_fallback = False
            continue
        if ins.opname != 'IMPORT_NAME' or in_fallback:
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


FUNCTION_FLAGS = 0x1 | 0x2  # CO_OPTIMIZED | CO_NEWLOCALS


def imports_when_imported(code):
    found = imports(code)
    for c in code.co_consts:
        if hasattr(c, 'co_code') and not (c.co_flags & FUNCTION_FLAGS):
            found += [i for i in imports_when_imported(c) if i not in found]
    return found


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
            for line in imports_when_imported(code):
                print('IMPORT\t' + path + '\t' + line)


main()
