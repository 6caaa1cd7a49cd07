# Rich display (DISPLAY, section 5, protocol version 2): the MIME bundle of an object as Jupyter's display
# protocol defines it, `display()` in the session namespace, the rich form of a session run's last value,
# and matplotlib with no setup: a backend that sends figures as PNG on plt.show() and at the end of a run.

# The per-type repr methods of Jupyter's display protocol, richest first, with the MIME type each gives.
# (_repr_javascript_ and _repr_pdf_ are left out: scripts are never run by the host, PDFs never shown.)
REPR_METHODS = (
    ('_repr_png_', 'image/png'),
    ('_repr_jpeg_', 'image/jpeg'),
    ('_repr_svg_', 'image/svg+xml'),
    ('_repr_html_', 'text/html'),
    ('_repr_markdown_', 'text/markdown'),
    ('_repr_latex_', 'text/latex'),
    ('_repr_json_', 'application/json'),
)
BINARY_MIMES = ('image/png', 'image/jpeg')
TEXT_PLAIN_LIMIT = 256 * 1024
MPL_BACKEND = 'remote_exec_inline'          # the module name matplotlib imports for module://remote_exec_inline


class _RichDisplay(object):
    """The Gateway's rich display: DISPLAY messages and the matplotlib backend that sends them."""

    def _init_display(self):
        self._pixel_ratio = 1.0
        self._shown_figures = set()
        self._mpl_hooked = False
        self._session_ns['display'] = self._display

    # ---- display() in the session ---------------------------------------------------

    def _display(self, *objs, **kwargs):
        """IPython's display(): each object shown by the richest form it offers.  raw=True takes
        MIME bundles as they are; metadata= is merged into each bundle's."""
        raw = kwargs.pop('raw', False)
        metadata = kwargs.pop('metadata', None)
        include = kwargs.pop('include', None)
        exclude = kwargs.pop('exclude', None)
        for obj in objs:
            if raw:
                data, md = (obj if isinstance(obj, dict) else {'text/plain': str(obj)}), {}
            else:
                data, md = _mime_bundle(obj, self._pixel_ratio, include, exclude)
            if isinstance(metadata, dict):
                md.update(metadata)
            self._send_display(data, md, False)
            self._note_shown_figure(obj)

    def _send_display(self, data, metadata, result):
        """One DISPLAY on the current task's channel, after the output it wrote before.  A version-1
        host gets the plain text on stdout instead (it has no DISPLAY)."""
        task = getattr(_tls, 'task', None)
        chid = task.chid if task is not None and task.chid is not None else 0
        if self.protocol < 2:
            if not result:
                sys.stdout.write(str(data.get('text/plain', '')) + '\n')
            return
        self._flush_stdio(chid)
        payload = {'data': _wire_bundle(data)}
        if metadata:
            payload['metadata'] = dict((k, v) for k, v in metadata.items() if _is_plain(v))
        if result:
            payload['result'] = True
        if task is not None:
            task.enter()
        try:
            self._send_msg(DISPLAY, chid, payload)
        finally:
            if task is not None:
                task.leave()

    # ---- session runs ---------------------------------------------------------------

    def _begin_session_run(self, payload):
        """Before a session run: the host's display hints, and matplotlib's backend chosen."""
        hints = payload.get('display')
        if isinstance(hints, dict):
            ratio = hints.get('pixelRatio')
            if isinstance(ratio, (int, float)) and 0.5 <= ratio <= 8:
                self._pixel_ratio = float(ratio)
        self._shown_figures = set()
        if self.protocol >= 2 and not self._mpl_hooked:
            self._mpl_hooked = True
            _hook_matplotlib(self)

    def _show_result(self, value):
        """The last expression's value in its rich form, when it has one beyond text/plain."""
        if self.protocol < 2:
            return
        data, md = _mime_bundle(value, self._pixel_ratio, None, None)
        if len(data) > 1:
            self._send_display(data, md, True)
            self._note_shown_figure(value)

    def _end_session_run(self, ch):
        """Figures left open at the end of a run are shown and closed, as Jupyter's inline backend does."""
        try:
            if _inline_backend_active():
                self._show_figures()
        except Exception as e:
            self._log_exception(e, 'showing the figures of the run failed')

    # ---- matplotlib -----------------------------------------------------------------

    def _show_figures(self):
        """plt.show(): every open figure as PNG, then closed (Jupyter's close_figures)."""
        from matplotlib._pylab_helpers import Gcf
        managers = Gcf.get_all_fig_managers()
        if not managers:
            return
        for manager in managers:
            fig = manager.canvas.figure
            if id(fig) in self._shown_figures:
                continue
            data, md = _mime_bundle(fig, self._pixel_ratio, None, None)
            self._send_display(data, md, False)
            self._shown_figures.add(id(fig))
        import matplotlib.pyplot as plt
        plt.close('all')

    def _note_shown_figure(self, obj):
        mpl_figure = sys.modules.get('matplotlib.figure')
        if mpl_figure is not None and isinstance(obj, mpl_figure.Figure):
            self._shown_figures.add(id(obj))


def _mime_bundle(obj, ratio, include, exclude):
    """(data, metadata) for obj, as IPython's DisplayFormatter.format: _repr_mimebundle_ first, then
    each _repr_*_ for the types it did not give, then a few types known without such methods; text/plain
    is always there.  A failing repr method is skipped (and logged), never fatal."""
    data = {}
    md = {}
    method = _repr_method(obj, '_repr_mimebundle_')
    if method is not None:
        try:
            got = method(include=include, exclude=exclude)
        except TypeError:
            got = method()
        except Exception as e:
            got = None
            _repr_failed(obj, '_repr_mimebundle_', e)
        if isinstance(got, tuple) and len(got) == 2:
            got, more = got
            if isinstance(more, dict):
                md.update(more)
        if isinstance(got, dict):
            data.update(got)
    for name, mime in REPR_METHODS:
        if mime in data:
            continue
        method = _repr_method(obj, name)
        if method is None:
            continue
        try:
            got = method()
        except Exception as e:
            _repr_failed(obj, name, e)
            continue
        if isinstance(got, tuple) and len(got) == 2 and isinstance(got[1], dict):
            got, md[mime] = got
        if got is not None:
            data[mime] = got
    if not set(data) - {'text/plain'}:
        for mime, value, meta in _known_type_forms(obj, ratio):
            data.setdefault(mime, value)
            if meta:
                md[mime] = meta
    if 'text/plain' not in data:
        text = _bounded_repr(obj, TEXT_PLAIN_LIMIT)
        data['text/plain'] = text
    for key in list(data):
        if (include and key not in include) or (exclude and key in exclude):
            if key != 'text/plain':
                del data[key]
    return data, md


def _known_type_forms(obj, ratio):
    """Forms of objects that have no repr method of their own but a known rich form: matplotlib
    figures (PNG, as IPython's inline backend registers), pandas Series (a table, as DataFrames)."""
    mpl_figure = sys.modules.get('matplotlib.figure')
    if mpl_figure is not None and isinstance(obj, mpl_figure.Figure):
        png, meta = _figure_png(obj, ratio)
        if png:
            return [('image/png', png, meta)]
    pandas = sys.modules.get('pandas')
    if pandas is not None and isinstance(obj, pandas.Series):
        try:
            return [('text/html', obj.to_frame()._repr_html_(), None)]
        except Exception:
            return []
    return []


def _figure_png(fig, ratio):
    """The figure as PNG at `ratio` device pixels per CSS pixel, with its CSS size as metadata."""
    buf = io.BytesIO()
    fig.savefig(buf, format='png', dpi=fig.dpi * ratio, bbox_inches='tight', facecolor='white')
    png = buf.getvalue()
    meta = None
    if len(png) >= 24 and png[12:16] == b'IHDR':
        w, h = struct.unpack('>II', png[16:24])
        meta = {'width': int(round(w / ratio)), 'height': int(round(h / ratio))}
    return png, meta


def _repr_method(obj, name):
    # on the type, as IPython looks them up: a class (not an instance) has them unbound, and an object
    # answering every attribute (a proxy, a mock) is not taken to offer every format
    if isinstance(obj, type):
        return None
    try:
        if getattr(type(obj), name, None) is None:
            return None
        method = getattr(obj, name)
    except Exception:
        return None
    return method if callable(method) else None


def _repr_failed(obj, name, e):
    try:
        import logging
        logging.getLogger('remote-exec.display').warning('%s of a %s failed: %s: %s', name, _typename(obj),
                                                         _typename(e), _safe_str(e))
    except Exception:
        pass


def _wire_bundle(data):
    """The bundle as DISPLAY carries it: str keys; images as raw bytes (base64 text is decoded);
    other types as str; application/json only when it is plain data."""
    out = {}
    for mime, value in data.items():
        if not isinstance(mime, str):
            continue
        if mime in BINARY_MIMES:
            if isinstance(value, str):
                import base64
                try:
                    value = base64.b64decode(value)
                except Exception:
                    continue
            if isinstance(value, (bytes, bytearray, memoryview)):
                out[mime] = bytes(value)
        elif mime == 'application/json' or mime.endswith('+json'):
            if _is_plain(value):
                out[mime] = value
        elif isinstance(value, bytes):
            out[mime] = value.decode('utf-8', 'replace')
        elif value is not None:
            out[mime] = value if isinstance(value, str) else str(value)
    if 'text/plain' not in out:
        out['text/plain'] = ''
    return out


def _inline_backend_active():
    mpl = sys.modules.get('matplotlib')
    if mpl is None or 'matplotlib.pyplot' not in sys.modules:
        return False
    try:
        return dict.__getitem__(mpl.rcParams, 'backend') == 'module://' + MPL_BACKEND
    except Exception:
        return False


def _headless():
    """No display to open windows on: matplotlib's GUI backends cannot show anything."""
    if sys.platform in ('darwin', 'win32'):
        return False
    return not (os.environ.get('DISPLAY') or os.environ.get('WAYLAND_DISPLAY'))


# matplotlib's GUI backends (rcsetup.interactive_bk before matplotlib 3.9 removed it).
GUI_BACKENDS = ('gtk3agg', 'gtk3cairo', 'gtk4agg', 'gtk4cairo', 'macosx', 'nbagg', 'notebook', 'qtagg', 'qtcairo',
                'qt5agg', 'qt5cairo', 'tkagg', 'tkcairo', 'webagg', 'wx', 'wxagg', 'wxcairo')


def _use_inline_backend(mpl):
    """Selects the inline backend when nothing could show a window: no backend chosen, or a GUI one
    (Debian's /etc/matplotlibrc names TkAgg), which would fall back to Agg, where show() does nothing.
    A non-GUI backend chosen by the user, or MPLBACKEND, is kept."""
    if os.environ.get('MPLBACKEND') or not _headless():
        return
    try:
        current = dict.__getitem__(mpl.rcParams, 'backend')
        if current is mpl.rcsetup._auto_backend_sentinel or str(current).lower() in GUI_BACKENDS:
            mpl.rcParams['backend'] = 'module://' + MPL_BACKEND
    except Exception:
        pass


def _inline_backend_module(gw):
    """The module matplotlib loads for module://remote_exec_inline: Agg canvases, and a show() that
    sends the figures to the host."""
    import types
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.backend_bases import FigureManagerBase
    mod = types.ModuleType(MPL_BACKEND)
    mod.__doc__ = 'Remote Exec: figures are shown in the results view as PNG.'
    mod.FigureCanvas = FigureCanvasAgg
    mod.FigureManager = FigureManagerBase

    def show(*args, **kwargs):
        gw._show_figures()
    mod.show = show
    return mod


class _MatplotlibHook(object):
    """A meta path finder: when matplotlib is imported, the inline backend is selected (when there is
    no display); when matplotlib asks for that backend, its module is made.  Setting the environment
    variable MPLBACKEND instead would reach child processes, which have no such module."""

    def __init__(self, gw):
        self._gw = gw
        self._busy = False

    def find_spec(self, name, path=None, target=None):
        if name == MPL_BACKEND:
            import importlib.util
            return importlib.util.spec_from_loader(name, _BackendLoader(self._gw))
        if name != 'matplotlib' or self._busy:
            return None
        import importlib.util
        self._busy = True
        try:
            spec = importlib.util.find_spec(name)
        finally:
            self._busy = False
        if spec is None or spec.loader is None:
            return None
        spec.loader = _ConfiguringLoader(spec.loader)
        return spec


class _ConfiguringLoader(object):
    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        self._loader.exec_module(module)
        _use_inline_backend(module)


class _BackendLoader(object):
    def __init__(self, gw):
        self._gw = gw

    def create_module(self, spec):
        return _inline_backend_module(self._gw)

    def exec_module(self, module):
        pass


def _hook_matplotlib(gw):
    mpl = sys.modules.get('matplotlib')
    if mpl is not None:
        _use_inline_backend(mpl)
    sys.meta_path.insert(0, _MatplotlibHook(gw))
