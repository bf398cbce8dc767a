from django.urls import path

from . import views

urlpatterns = [
    path("assessment/", views.assessment_index, name="assessment"),
    path("assessment/rules/", views.assessment_rules, name="assessment-rules"),
    path("assessment/lock/", views.assessment_lock, name="assessment-lock"),
    path("assessment/county/", views.assessment_county_start, name="assessment-county-start"),
    path("townships/<str:code>/assessment/", views.assessment_start, name="assessment-start"),
    path("assessment/<int:pk>/", views.assessment_run, name="assessment-run"),
    path("assessment/<int:pk>/adjust/", views.assessment_adjust, name="assessment-adjust"),
    path("assessment/<int:pk>/manual/", views.assessment_manual, name="assessment-manual"),
    path("assessment/<int:pk>/publish/", views.assessment_publish, name="assessment-publish"),
    path("assessment/<int:pk>/assessment.xlsx", views.assessment_xlsx, name="assessment-xlsx"),
    path("assessment/people/<int:pk>/", views.assessment_person, name="assessment-person"),
]
