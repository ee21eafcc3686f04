"""A module that imports in every way the parsers must tell apart.

import not_a_module_docstring
"""
from __future__ import annotations

import os
import os.path, xml.dom.minidom as minidom
from collections import (
    OrderedDict,
    defaultdict as dd,
)
from . import sibling
from .. import parent_thing
from ..pkg.sub import name_a, name_b
from json import *
import email.utils; import http.client
x = 1; import zlib
from \
    base64 import b64encode

try:
    import _json_speedups
except ImportError:
    _json_speedups = None
else:
    import else_module
finally:
    import finally_module

if x > 1:
    import conditional_module
    if x > 2:
        import nested_conditional
elif x:
    from elif_package import elif_name
with open(os.devnull) as f:
    import with_module
for _ in range(1):
    import loop_module
while x > 5:
    import while_module

text = "import not_a_module_string"
other = '''
import not_a_module_triple
'''


def function():
    import function_module
    from function_package import thing
    return thing


class Klass:
    import class_body_module

    def method(self):
        import method_module


if True: import one_line_module
def one_line(): import one_line_function_module
import last_module  # import not_a_module_comment
